"""Tables modelled on medical datasets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from target_tables._common import dates, holes, ints, normal, people, pick, table, yes_no, z


@table("pima_diabetes", "Outcome", "Pima Indians Diabetes (UCI / Kaggle)", 300)
def pima(rng: np.random.Generator, n: int) -> pd.DataFrame:
    glucose, bmi, age = normal(rng, n, 121, 31, 44, 199, 0), normal(rng, n, 32, 7, 18, 67), ints(rng, n, 21, 81)
    return pd.DataFrame({
        "Pregnancies": rng.poisson(3.8, n), "Glucose": glucose, "BloodPressure": normal(rng, n, 69, 19, 0, 122, 0),
        "SkinThickness": normal(rng, n, 20, 16, 0, 99, 0), "Insulin": np.where(rng.random(n) < .5, 0,
                                                                                normal(rng, n, 155, 118, 14, 846, 0)),
        "BMI": bmi, "DiabetesPedigreeFunction": normal(rng, n, .47, .33, .08, 2.42, 3), "Age": age,
        "Outcome": yes_no(z(glucose) + .5 * z(bmi) + .3 * z(age), rng, -.6)})


@table("titanic", "Survived", "Titanic passengers (Kaggle)", 280)
def titanic(rng: np.random.Generator, n: int) -> pd.DataFrame:
    klass, sex = pick(rng, n, [1, 2, 3], [.24, .21, .55]), pick(rng, n, ["male", "female"], [.65, .35])
    fare = np.round(np.exp(rng.normal(2.9, .9, n)) * (4 - klass) / 2, 4)
    return pd.DataFrame({
        "PassengerId": np.arange(1, n + 1), "Survived": yes_no((sex == "female") * 2.5 - klass + 0.0, rng),
        "Pclass": klass, "Name": people(rng, n), "Sex": sex, "Age": holes(rng, normal(rng, n, 30, 14, .4, 80), .2),
        "SibSp": rng.poisson(.5, n), "Parch": rng.poisson(.4, n),
        "Ticket": [f"{rng.choice(['', 'PC ', 'A/5 ', 'STON/O2. '])}{t}" for t in ints(rng, n, 1000, 390000)],
        "Fare": fare, "Cabin": holes(rng, pick(rng, n, [f"{d}{i}" for d in "BCDE" for i in range(2, 60, 7)]), .77),
        "Embarked": holes(rng, pick(rng, n, ["S", "C", "Q"], [.72, .19, .09]), .01)})


@table("breast_cancer_wisconsin", "diagnosis", "Breast Cancer Wisconsin Diagnostic (UCI)", 200)
def breast_cancer(rng: np.random.Generator, n: int) -> pd.DataFrame:
    malignant = rng.random(n) < .37
    frame = {"id": ints(rng, n, 8670, 911320000), "diagnosis": np.where(malignant, "M", "B")}
    base = {"radius": 14, "texture": 19, "perimeter": 92, "area": 655, "smoothness": .096, "compactness": .104,
            "concavity": .089, "concave points": .049, "symmetry": .181, "fractal_dimension": .063}
    for suffix, scale in (("mean", 1), ("se", .1), ("worst", 1.3)):
        for name, value in base.items():
            size = value * scale * (1 + .35 * malignant + rng.normal(0, .15, n))
            frame[f"{name}_{suffix}"] = size.round(5 if value < 1 else 2)
    return pd.DataFrame(frame)


@table("heart_failure_prediction", "HeartDisease", "Heart Failure Prediction (fedesoriano, Kaggle)", 260)
def heart(rng: np.random.Generator, n: int) -> pd.DataFrame:
    age, oldpeak = ints(rng, n, 28, 77), normal(rng, n, .9, 1.1, -2.6, 6.2)
    angina = pick(rng, n, ["N", "Y"], [.6, .4])
    return pd.DataFrame({
        "Age": age, "Sex": pick(rng, n, ["M", "F"], [.79, .21]),
        "ChestPainType": pick(rng, n, ["ASY", "NAP", "ATA", "TA"], [.54, .22, .19, .05]),
        "RestingBP": normal(rng, n, 132, 18, 80, 200, 0), "Cholesterol": normal(rng, n, 199, 109, 0, 603, 0),
        "FastingBS": pick(rng, n, [0, 1], [.77, .23]), "RestingECG": pick(rng, n, ["Normal", "LVH", "ST"]),
        "MaxHR": normal(rng, n, 137, 25, 60, 202, 0), "ExerciseAngina": angina, "Oldpeak": oldpeak,
        "ST_Slope": pick(rng, n, ["Flat", "Up", "Down"], [.5, .43, .07]),
        "HeartDisease": yes_no(z(oldpeak) + 1.5 * (angina == "Y") + .5 * z(age), rng, .2)})


@table("stroke", "stroke", "Stroke Prediction (fedesoriano, Kaggle)", 300)
def stroke(rng: np.random.Generator, n: int) -> pd.DataFrame:
    age, glucose = normal(rng, n, 43, 22, .08, 82), normal(rng, n, 106, 45, 55, 272, 2)
    return pd.DataFrame({
        "id": rng.permutation(np.arange(67, 72943))[:n], "gender": pick(rng, n, ["Female", "Male"], [.59, .41]),
        "age": age, "hypertension": pick(rng, n, [0, 1], [.9, .1]), "heart_disease": pick(rng, n, [0, 1], [.95, .05]),
        "ever_married": pick(rng, n, ["Yes", "No"], [.66, .34]),
        "work_type": pick(rng, n, ["Private", "Self-employed", "children", "Govt_job", "Never_worked"],
                          [.57, .16, .14, .12, .01]),
        "Residence_type": pick(rng, n, ["Urban", "Rural"]), "avg_glucose_level": glucose,
        "bmi": holes(rng, normal(rng, n, 29, 8, 10, 97), .04),
        "smoking_status": pick(rng, n, ["never smoked", "Unknown", "formerly smoked", "smokes"], [.37, .3, .17, .16]),
        "stroke": yes_no(2 * z(age) + .4 * z(glucose), rng, -3.0)})


@table("heart_failure_clinical_records", "DEATH_EVENT", "Heart failure clinical records (UCI)", 299)
def heart_failure(rng: np.random.Generator, n: int) -> pd.DataFrame:
    age, ejection, creatinine = ints(rng, n, 40, 95), normal(rng, n, 38, 12, 14, 80, 0), normal(rng, n, 1.4, 1, .5, 9.4)
    time = ints(rng, n, 4, 285)
    return pd.DataFrame({
        "age": age, "anaemia": pick(rng, n, [0, 1]), "creatinine_phosphokinase": ints(rng, n, 23, 7861),
        "diabetes": pick(rng, n, [0, 1], [.58, .42]), "ejection_fraction": ejection,
        "high_blood_pressure": pick(rng, n, [0, 1], [.65, .35]), "platelets": normal(rng, n, 263358, 97804, 25100,
                                                                                        850000, 0),
        "serum_creatinine": creatinine, "serum_sodium": ints(rng, n, 113, 148), "sex": pick(rng, n, [1, 0], [.65, .35]),
        "smoking": pick(rng, n, [0, 1], [.68, .32]), "time": time,
        "DEATH_EVENT": yes_no(z(age) - z(ejection) + z(creatinine) - 1.5 * z(time), rng, -.8)})


@table("diabetes_130_hospitals", "readmitted", "Diabetes 130-US hospitals 1999-2008 (UCI)", 300)
def readmissions(rng: np.random.Generator, n: int) -> pd.DataFrame:
    stay = ints(rng, n, 1, 14)
    icd = [f"{c}" for c in (250, 250.01, 276, 401, 414, 427, 428, 486, 496, 599, 780, 786, "V45", "E888")]
    return pd.DataFrame({
        "encounter_id": rng.permutation(np.arange(12522, 443867000, 1000))[:n],
        "patient_nbr": ints(rng, n, 135, 189502000), "race": holes(rng, pick(rng, n, [
            "Caucasian", "AfricanAmerican", "Hispanic", "Other", "Asian"], [.75, .19, .02, .02, .02]), .02),
        "gender": pick(rng, n, ["Female", "Male"]),
        "age": pick(rng, n, [f"[{a}-{a + 10})" for a in range(30, 100, 10)]),
        "admission_type_id": pick(rng, n, [1, 2, 3, 5, 6]), "discharge_disposition_id": pick(rng, n, [1, 3, 6, 18, 2]),
        "admission_source_id": pick(rng, n, [7, 1, 17, 4, 6]), "time_in_hospital": stay,
        "num_lab_procedures": ints(rng, n, 1, 110), "num_procedures": ints(rng, n, 0, 6),
        "num_medications": ints(rng, n, 1, 60), "number_diagnoses": ints(rng, n, 3, 9),
        "diag_1": pick(rng, n, icd), "diag_2": pick(rng, n, icd), "diag_3": pick(rng, n, icd),
        "max_glu_serum": pick(rng, n, ["None", ">200", ">300", "Norm"], [.94, .02, .01, .03]),
        "A1Cresult": pick(rng, n, ["None", ">7", ">8", "Norm"], [.83, .04, .08, .05]),
        "metformin": pick(rng, n, ["No", "Steady", "Up", "Down"], [.8, .18, .01, .01]),
        "insulin": pick(rng, n, ["No", "Steady", "Up", "Down"], [.47, .3, .11, .12]),
        "change": pick(rng, n, ["No", "Ch"], [.54, .46]), "diabetesMed": pick(rng, n, ["Yes", "No"], [.77, .23]),
        "readmitted": np.where(rng.random(n) < .1 + .02 * stay, "<30", pick(rng, n, ["NO", ">30"], [.6, .4]))})


@table("chronic_kidney_disease", "classification", "Chronic Kidney Disease (UCI)", 250)
def kidney(rng: np.random.Generator, n: int) -> pd.DataFrame:
    ckd = rng.random(n) < .62
    hemo = np.where(ckd, normal(rng, n, 10.6, 2.2, 3, 17), normal(rng, n, 15.2, 1.3, 13, 17.8))
    frame = pd.DataFrame({
        "id": np.arange(n), "age": holes(rng, ints(rng, n, 2, 90), .02),
        "bp": holes(rng, pick(rng, n, [60, 70, 80, 90, 100]), .03),
        "sg": pick(rng, n, [1.005, 1.01, 1.015, 1.02, 1.025]), "al": pick(rng, n, [0, 1, 2, 3, 4]),
        "su": pick(rng, n, [0, 1, 2, 3], [.8, .1, .05, .05]),
        "rbc": holes(rng, pick(rng, n, ["normal", "abnormal"]), .38),
        "pc": pick(rng, n, ["normal", "abnormal"], [.77, .23]),
        "bgr": holes(rng, normal(rng, n, 148, 79, 22, 490, 0), .1),
        "bu": normal(rng, n, 57, 50, 1.5, 391, 0), "sc": normal(rng, n, 3, 5.7, .4, 76), "hemo": hemo,
        "htn": pick(rng, n, ["yes", "no"], [.37, .63]), "dm": pick(rng, n, ["yes", "no"], [.34, .66]),
        "appet": pick(rng, n, ["good", "poor"], [.79, .21]), "pe": pick(rng, n, ["no", "yes"], [.81, .19]),
        "ane": pick(rng, n, ["no", "yes"], [.85, .15]), "classification": np.where(ckd, "ckd", "notckd")})
    return frame


@table("fetal_health", "fetal_health", "Fetal Health Classification (cardiotocography, Kaggle)", 250)
def fetal(rng: np.random.Generator, n: int) -> pd.DataFrame:
    health = pick(rng, n, [1.0, 2.0, 3.0], [.78, .14, .08])
    return pd.DataFrame({
        "baseline value": normal(rng, n, 133, 10, 106, 160, 0), "accelerations": normal(rng, n, .003, .004, 0, .019, 3),
        "fetal_movement": normal(rng, n, .009, .04, 0, .48, 3),
        "uterine_contractions": normal(rng, n, .004, .003, 0, .015, 3),
        "light_decelerations": normal(rng, n, .002, .003, 0, .015, 3),
        "abnormal_short_term_variability": normal(rng, n, 47 + 10 * (health - 1), 15, 12, 87, 0),
        "mean_value_of_short_term_variability": normal(rng, n, 1.3, .9, .2, 7),
        "percentage_of_time_with_abnormal_long_term_variability": normal(rng, n, 10, 18, 0, 91, 0),
        "histogram_width": ints(rng, n, 3, 180), "histogram_min": ints(rng, n, 50, 159),
        "histogram_max": ints(rng, n, 122, 238), "histogram_mode": ints(rng, n, 60, 187),
        "histogram_mean": ints(rng, n, 73, 182), "histogram_variance": ints(rng, n, 0, 269),
        "histogram_tendency": pick(rng, n, [-1.0, 0.0, 1.0], [.1, .5, .4]), "fetal_health": health})


@table("medical_appointment_no_shows", "No-show", "Medical Appointment No Shows (Kaggle, Brazil)", 300)
def no_shows(rng: np.random.Generator, n: int) -> pd.DataFrame:
    scheduled = dates(rng, n, "2016-04-29", 40, "%Y-%m-%dT%H:%M:%SZ")
    sms = pick(rng, n, [0, 1], [.68, .32])
    return pd.DataFrame({
        "PatientId": rng.integers(10**10, 10**14, n).astype(float), "AppointmentID": np.arange(5642903, 5642903 + n),
        "Gender": pick(rng, n, ["F", "M"], [.65, .35]), "ScheduledDay": scheduled,
        "AppointmentDay": dates(rng, n, "2016-05-10", 30, "%Y-%m-%dT00:00:00Z"), "Age": ints(rng, n, 0, 95),
        "Neighbourhood": pick(rng, n, ["JARDIM CAMBURI", "MARIA ORTIZ", "RESISTÊNCIA", "JARDIM DA PENHA", "ITARARÉ",
                                       "CENTRO", "TABUAZEIRO", "SANTA MARTHA", "JESUS DE NAZARETH", "BONFIM"]),
        "Scholarship": pick(rng, n, [0, 1], [.9, .1]), "Hipertension": pick(rng, n, [0, 1], [.8, .2]),
        "Diabetes": pick(rng, n, [0, 1], [.93, .07]), "Alcoholism": pick(rng, n, [0, 1], [.97, .03]),
        "Handcap": pick(rng, n, [0, 1, 2], [.98, .018, .002]), "SMS_received": sms,
        "No-show": yes_no(.6 * sms + rng.normal(0, 1, n), rng, -1.4, ("No", "Yes"))})
