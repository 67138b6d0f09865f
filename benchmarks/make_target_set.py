"""Write the labelled target-suggestion set: small CSVs modelled on well-known public datasets.

Each table copies the column names, order, types and value ranges of a public dataset (UCI,
Kaggle, OpenML, seaborn) with synthetic, seeded rows (at most 300), so the set is small enough
to commit and free of licence questions. ``manifest.json`` records the true target of each.

    python benchmarks/make_target_set.py [--out tests/data/targets]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "targets"
Builder = Callable[[np.random.Generator, int], pd.DataFrame]
TABLES: list[tuple[str, str, str, int, Builder]] = []  # file stem, target, modelled on, rows, builder


def table(stem: str, target: str, modelled_on: str, rows: int = 250) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        TABLES.append((stem, target, modelled_on, rows, builder))
        return builder
    return register


# --- small helpers -------------------------------------------------------------------------------------------------

def normal(rng: np.random.Generator, n: int, mean: float | np.ndarray, sd: float, lo: float = -np.inf,
           hi: float = np.inf, digits: int = 1) -> np.ndarray:
    return np.clip(rng.normal(mean, sd, n), lo, hi).round(digits)


def ints(rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
    return rng.integers(lo, hi + 1, n)


def pick(rng: np.random.Generator, n: int, values: list, p: list[float] | None = None) -> np.ndarray:
    weights = None if p is None else np.array(p) / np.sum(p)
    return np.array(values)[rng.choice(len(values), n, p=weights)]


def holes(rng: np.random.Generator, values: np.ndarray, share: float) -> pd.Series:
    series = pd.Series(values)
    return series.mask(rng.random(len(series)) < share)


def yes_no(score: np.ndarray, rng: np.random.Generator, base: float = 0.0, labels: tuple = (0, 1)) -> np.ndarray:
    """A label drawn from a logistic model of ``score`` (standardised inside)."""
    z = (score - score.mean()) / (score.std() + 1e-9) + base
    return np.where(rng.random(len(z)) < 1 / (1 + np.exp(-2 * z)), labels[1], labels[0])


def z(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return (values - np.nanmean(values)) / (np.nanstd(values) + 1e-9)


def dates(rng: np.random.Generator, n: int, start: str, days: int, fmt: str = "%Y-%m-%d") -> list[str]:
    base = pd.Timestamp(start)
    return [(base + pd.Timedelta(days=int(d))).strftime(fmt) for d in rng.integers(0, days, n)]


FIRST = ["James", "Mary", "John", "Anna", "William", "Emma", "Thomas", "Alice", "Henry", "Elizabeth", "George",
         "Margaret", "Charles", "Ellen", "Samuel", "Clara"]
LAST = ["Smith", "Brown", "Wilson", "Taylor", "Johnson", "White", "Harris", "Martin", "Kelly", "Walker", "Wright",
        "Hughes", "Allen", "Young", "King", "Scott"]


def people(rng: np.random.Generator, n: int) -> list[str]:
    return [f"{LAST[a]}, Mr. {FIRST[b]} {FIRST[c][0]}." for a, b, c in rng.integers(0, 16, (n, 3))]


# --- medicine ------------------------------------------------------------------------------------------------------

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


# --- customers, money and people ----------------------------------------------------------------------------------

@table("bank_marketing", "y", "Bank Marketing (UCI, bank-additional)", 300)
def bank(rng: np.random.Generator, n: int) -> pd.DataFrame:
    duration = np.round(np.exp(rng.normal(5.3, .8, n))).astype(int)
    return pd.DataFrame({
        "age": ints(rng, n, 18, 88), "job": pick(rng, n, ["admin.", "blue-collar", "technician", "services",
                                                          "management", "retired", "entrepreneur", "student"]),
        "marital": pick(rng, n, ["married", "single", "divorced"], [.6, .28, .12]),
        "education": pick(rng, n, ["university.degree", "high.school", "basic.9y", "professional.course", "basic.4y"]),
        "default": pick(rng, n, ["no", "unknown", "yes"], [.79, .2, .01]), "housing": pick(rng, n, ["yes", "no"]),
        "loan": pick(rng, n, ["no", "yes"], [.84, .16]), "contact": pick(rng, n, ["cellular", "telephone"], [.63, .37]),
        "month": pick(rng, n, ["may", "jul", "aug", "jun", "nov", "apr"]),
        "day_of_week": pick(rng, n, ["mon", "tue", "wed", "thu", "fri"]),
        "duration": duration, "campaign": rng.poisson(1.6, n) + 1, "pdays": np.where(rng.random(n) < .96, 999,
                                                                                      ints(rng, n, 0, 27)),
        "previous": rng.poisson(.17, n),
        "poutcome": pick(rng, n, ["nonexistent", "failure", "success"], [.86, .1, .04]),
        "emp.var.rate": pick(rng, n, [1.4, 1.1, -0.1, -1.8, -2.9]), "cons.price.idx": pick(rng, n, [93.994, 93.918,
                                                                                                    92.893, 93.444]),
        "cons.conf.idx": pick(rng, n, [-36.4, -42.7, -46.2, -36.1]),
        "euribor3m": normal(rng, n, 3.6, 1.7, .63, 5.05, 3),
        "nr.employed": pick(rng, n, [5228.1, 5191.0, 5099.1, 5195.8]),
        "y": yes_no(z(np.log(duration)), rng, -2.0, ("no", "yes"))})


@table("telco_customer_churn", "Churn", "Telco Customer Churn (IBM sample, Kaggle)", 300)
def telco(rng: np.random.Generator, n: int) -> pd.DataFrame:
    tenure, monthly = ints(rng, n, 0, 72), normal(rng, n, 65, 30, 18.25, 118.75, 2)
    contract = pick(rng, n, ["Month-to-month", "Two year", "One year"], [.55, .24, .21])
    services = {c: pick(rng, n, ["No", "Yes", "No internet service"], [.5, .29, .21]) for c in (
        "OnlineSecurity", "OnlineBackup", "DeviceProtection", "TechSupport", "StreamingTV", "StreamingMovies")}
    return pd.DataFrame({
        "customerID": [f"{a:04d}-{''.join(rng.choice(list('ABCDEFGHIJKLMNOPQRSTUVWXYZ'), 5))}" for a in
                       ints(rng, n, 1000, 9999)],
        "gender": pick(rng, n, ["Female", "Male"]), "SeniorCitizen": pick(rng, n, [0, 1], [.84, .16]),
        "Partner": pick(rng, n, ["Yes", "No"]), "Dependents": pick(rng, n, ["No", "Yes"], [.7, .3]), "tenure": tenure,
        "PhoneService": pick(rng, n, ["Yes", "No"], [.9, .1]), "MultipleLines": pick(rng, n, ["No", "Yes",
                                                                                            "No phone service"]),
        "InternetService": pick(rng, n, ["Fiber optic", "DSL", "No"], [.44, .34, .22]), **services,
        "Contract": contract, "PaperlessBilling": pick(rng, n, ["Yes", "No"], [.59, .41]),
        "PaymentMethod": pick(rng, n, ["Electronic check", "Mailed check", "Bank transfer (automatic)",
                                       "Credit card (automatic)"]),
        "MonthlyCharges": monthly, "TotalCharges": [f"{v:.2f}" if v > 0 else " " for v in monthly * tenure],
        "Churn": yes_no(z(monthly) - z(tenure) + (contract == "Month-to-month"), rng, -1.0, ("No", "Yes"))})


@table("bank_customer_churn", "Exited", "Churn Modelling (bank customers, Kaggle)", 300)
def bank_churn(rng: np.random.Generator, n: int) -> pd.DataFrame:
    age, active = ints(rng, n, 18, 92), pick(rng, n, [1, 0])
    return pd.DataFrame({
        "RowNumber": np.arange(1, n + 1), "CustomerId": rng.permutation(np.arange(15565701, 15815690))[:n],
        "Surname": pick(rng, n, LAST + ["Hargrave", "Onio", "Boni", "Mitchell", "Chu", "Bartlett", "Obinna"]),
        "CreditScore": ints(rng, n, 350, 850),
        "Geography": pick(rng, n, ["France", "Germany", "Spain"], [.5, .25, .25]),
        "Gender": pick(rng, n, ["Male", "Female"], [.55, .45]), "Age": age, "Tenure": ints(rng, n, 0, 10),
        "Balance": np.where(rng.random(n) < .36, 0.0, normal(rng, n, 119827, 30095, 3768, 250898, 2)),
        "NumOfProducts": pick(rng, n, [1, 2, 3, 4], [.5, .46, .03, .01]), "HasCrCard": pick(rng, n, [1, 0], [.7, .3]),
        "IsActiveMember": active, "EstimatedSalary": normal(rng, n, 100090, 57510, 11.58, 199992, 2),
        "Exited": yes_no(z(age) - .8 * active, rng, -1.6)})


@table("adult_income", "income", "Adult / Census Income (UCI)", 300)
def adult(rng: np.random.Generator, n: int) -> pd.DataFrame:
    years, hours = ints(rng, n, 1, 16), normal(rng, n, 40, 12, 1, 99, 0)
    return pd.DataFrame({
        "age": ints(rng, n, 17, 90), "workclass": pick(rng, n, ["Private", "Self-emp-not-inc", "Local-gov", "?",
                                                                 "State-gov"], [.7, .08, .06, .06, .1]),
        "fnlwgt": ints(rng, n, 12285, 1484705), "education": pick(rng, n, ["HS-grad", "Some-college", "Bachelors",
                                                                           "Masters", "Assoc-voc", "11th"]),
        "education-num": years, "marital-status": pick(rng, n, ["Married-civ-spouse", "Never-married", "Divorced",
                                                                 "Separated", "Widowed"]),
        "occupation": pick(rng, n, ["Prof-specialty", "Craft-repair", "Exec-managerial", "Adm-clerical", "Sales",
                                    "Other-service"]),
        "relationship": pick(rng, n, ["Husband", "Not-in-family", "Own-child", "Unmarried", "Wife"]),
        "race": pick(rng, n, ["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"],
                     [.85, .1, .03, .01, .01]),
        "sex": pick(rng, n, ["Male", "Female"], [.67, .33]),
        "capital-gain": np.where(rng.random(n) < .92, 0, ints(rng, n, 114, 99999)),
        "capital-loss": np.where(rng.random(n) < .95, 0, ints(rng, n, 155, 4356)), "hours-per-week": hours,
        "native-country": pick(rng, n, ["United-States", "Mexico", "?", "Philippines", "Germany"],
                               [.9, .03, .03, .02, .02]),
        "income": yes_no(z(years) + .6 * z(hours), rng, -1.3, ("<=50K", ">50K"))})


@table("german_credit", "class", "German Credit / Statlog (UCI, OpenML 31)", 250)
def german(rng: np.random.Generator, n: int) -> pd.DataFrame:
    duration, amount = ints(rng, n, 4, 72), ints(rng, n, 250, 18424)
    return pd.DataFrame({
        "checking_status": pick(rng, n, ["<0", "0<=X<200", ">=200", "no checking"]), "duration": duration,
        "credit_history": pick(rng, n, ["existing paid", "critical/other existing credit", "delayed previously",
                                        "all paid", "no credits/all paid"]),
        "purpose": pick(rng, n, ["radio/tv", "new car", "furniture/equipment", "used car", "business", "education"]),
        "credit_amount": amount, "savings_status": pick(rng, n, ["<100", "no known savings", "100<=X<500", ">=1000"]),
        "employment": pick(rng, n, ["1<=X<4", ">=7", "4<=X<7", "<1", "unemployed"]),
        "installment_commitment": ints(rng, n, 1, 4), "personal_status": pick(rng, n, [
            "male single", "female div/dep/mar", "male mar/wid", "male div/sep"]),
        "other_parties": pick(rng, n, ["none", "guarantor", "co applicant"], [.9, .05, .05]),
        "residence_since": ints(rng, n, 1, 4),
        "property_magnitude": pick(rng, n, ["car", "real estate", "life insurance", "no known property"]),
        "age": ints(rng, n, 19, 75), "other_payment_plans": pick(rng, n, ["none", "bank", "stores"], [.81, .14, .05]),
        "housing": pick(rng, n, ["own", "rent", "for free"], [.71, .18, .11]), "existing_credits": ints(rng, n, 1, 4),
        "job": pick(rng, n, ["skilled", "unskilled resident", "high qualif/self emp/mgmt", "unemp/unskilled non res"]),
        "num_dependents": pick(rng, n, [1, 2], [.85, .15]), "own_telephone": pick(rng, n, ["none", "yes"], [.6, .4]),
        "foreign_worker": pick(rng, n, ["yes", "no"], [.96, .04]),
        "class": yes_no(z(duration) + .5 * z(amount), rng, -.9, ("good", "bad"))})


@table("credit_card_default_taiwan", "default.payment.next.month", "Default of Credit Card Clients (UCI, Taiwan)", 220)
def taiwan(rng: np.random.Generator, n: int) -> pd.DataFrame:
    pay0 = pick(rng, n, [-2, -1, 0, 1, 2, 3], [.09, .19, .49, .12, .09, .02])
    frame = {"ID": np.arange(1, n + 1), "LIMIT_BAL": pick(rng, n, [10000 * k for k in range(1, 51)]).astype(float),
             "SEX": pick(rng, n, [1, 2], [.4, .6]), "EDUCATION": pick(rng, n, [1, 2, 3, 4], [.35, .47, .16, .02]),
             "MARRIAGE": pick(rng, n, [1, 2, 3], [.45, .53, .02]), "AGE": ints(rng, n, 21, 75), "PAY_0": pay0}
    frame |= {f"PAY_{k}": np.clip(pay0 + pick(rng, n, [-1, 0, 0, 1]), -2, 8) for k in range(2, 7)}
    frame |= {f"BILL_AMT{k}": normal(rng, n, 51000, 73000, -15000, 960000, 0) for k in range(1, 7)}
    frame |= {f"PAY_AMT{k}": np.round(np.exp(rng.normal(7.5, 1.5, n))).astype(float) for k in range(1, 7)}
    frame["default.payment.next.month"] = yes_no(z(pay0), rng, -1.2)
    return pd.DataFrame(frame)


@table("loan_prediction", "Loan_Status", "Loan Prediction (Analytics Vidhya / Kaggle)", 260)
def loan(rng: np.random.Generator, n: int) -> pd.DataFrame:
    history = holes(rng, pick(rng, n, [1.0, 0.0], [.85, .15]), .08)
    return pd.DataFrame({
        "Loan_ID": [f"LP00{k}" for k in rng.permutation(np.arange(1002, 2990))[:n]],
        "Gender": holes(rng, pick(rng, n, ["Male", "Female"], [.81, .19]), .02), "Married": pick(rng, n, ["Yes", "No"]),
        "Dependents": pick(rng, n, ["0", "1", "2", "3+"], [.58, .17, .17, .08]),
        "Education": pick(rng, n, ["Graduate", "Not Graduate"], [.78, .22]),
        "Self_Employed": holes(rng, pick(rng, n, ["No", "Yes"], [.86, .14]), .05),
        "ApplicantIncome": np.round(np.exp(rng.normal(8.3, .6, n))).astype(int),
        "CoapplicantIncome": np.where(rng.random(n) < .45, 0.0, np.round(np.exp(rng.normal(7.5, .6, n)))),
        "LoanAmount": holes(rng, normal(rng, n, 146, 85, 9, 700, 0), .03),
        "Loan_Amount_Term": holes(rng, pick(rng, n, [360.0, 180.0, 480.0, 300.0], [.85, .07, .04, .04]), .02),
        "Credit_History": history, "Property_Area": pick(rng, n, ["Semiurban", "Urban", "Rural"]),
        "Loan_Status": yes_no(3 * history.fillna(.8).to_numpy(), rng, 0.0, ("N", "Y"))})


@table("lending_club_loans", "loan_status", "Lending Club loan data 2007-2011 (Kaggle)", 250)
def lending(rng: np.random.Generator, n: int) -> pd.DataFrame:
    amount, rate = ints(rng, n, 10, 140) * 250, normal(rng, n, 12, 3.7, 5.4, 24.6, 2)
    charged = yes_no(z(rate), rng, -1.7).astype(bool)
    grade = pd.cut(rate, [0, 7.5, 10.5, 13.5, 16, 18.5, 21, 30], labels=list("ABCDEFG")).astype(str)
    paid = np.where(charged, amount * rng.uniform(.1, .8, n), amount * (1 + rate / 100 * rng.uniform(.3, 1.6, n)))
    return pd.DataFrame({
        "id": rng.permutation(np.arange(54734, 1077501))[:n],
        "member_id": rng.permutation(np.arange(70473, 1314167))[:n],
        "loan_amnt": amount, "funded_amnt": amount, "term": pick(rng, n, [" 36 months", " 60 months"], [.75, .25]),
        "int_rate": [f"{r:.2f}%" for r in rate], "installment": np.round(amount / 36 * (1 + rate / 100), 2),
        "grade": grade, "sub_grade": [f"{g}{k}" for g, k in zip(grade, ints(rng, n, 1, 5), strict=True)],
        "emp_title": holes(rng, pick(rng, n, ["Teacher", "Manager", "Registered Nurse", "US Army", "Supervisor",
                                              "Bank of America", "Walmart", "Project Manager", "Engineer", "Owner",
                                              "Sales", "Driver", "AT&T", "Kaiser Permanente", "UPS"]), .06),
        "emp_length": pick(rng, n, ["10+ years", "< 1 year", "2 years", "3 years", "5 years", "1 year"]),
        "home_ownership": pick(rng, n, ["RENT", "MORTGAGE", "OWN"], [.47, .45, .08]),
        "annual_inc": np.round(np.exp(rng.normal(11, .5, n)), -2), "verification_status": pick(
            rng, n, ["Not Verified", "Verified", "Source Verified"]),
        "issue_d": pick(rng, n, [f"{m}-{y}" for y in (2009, 2010, 2011) for m in ("Jan", "Apr", "Jul", "Oct", "Dec")]),
        "loan_status": np.where(charged, "Charged Off", "Fully Paid"),
        "purpose": pick(rng, n, ["debt_consolidation", "credit_card", "other", "home_improvement", "major_purchase"]),
        "title": pick(rng, n, ["Debt Consolidation", "Debt consolidation", "Consolidation", "Personal Loan",
                               "Credit Card Payoff", "Home improvement", "debt consolidation loan"]),
        "zip_code": [f"{z3:03d}xx" for z3 in ints(rng, n, 10, 999)],
        "addr_state": pick(rng, n, ["CA", "NY", "FL", "TX", "NJ", "IL", "PA", "VA"]),
        "dti": normal(rng, n, 13.3, 6.7, 0, 29.99, 2), "delinq_2yrs": pick(rng, n, [0, 1, 2], [.89, .09, .02]),
        "revol_util": [f"{u:.1f}%" for u in normal(rng, n, 49, 28, 0, 99.9)], "total_pymnt": paid.round(2),
        "recoveries": np.where(charged, (amount * rng.uniform(0, .15, n)).round(2), 0.0),
        "last_pymnt_d": pick(rng, n, [f"{m}-{y}" for y in (2012, 2013, 2014, 2015) for m in ("Feb", "Jun", "Sep")])})


@table("hr_employee_attrition", "Attrition", "IBM HR Analytics Employee Attrition (Kaggle)", 250)
def attrition(rng: np.random.Generator, n: int) -> pd.DataFrame:
    overtime, income = pick(rng, n, ["No", "Yes"], [.72, .28]), np.round(np.exp(rng.normal(8.5, .55, n))).astype(int)
    scale = {c: ints(rng, n, 1, 4) for c in ("EnvironmentSatisfaction", "JobInvolvement")}
    return pd.DataFrame({
        "Age": ints(rng, n, 18, 60),
        "Attrition": yes_no(1.2 * (overtime == "Yes") - z(income), rng, -1.7, ("No", "Yes")),
        "BusinessTravel": pick(rng, n, ["Travel_Rarely", "Travel_Frequently", "Non-Travel"], [.71, .19, .1]),
        "DailyRate": ints(rng, n, 102, 1499), "Department": pick(rng, n, ["Research & Development", "Sales",
                                                                          "Human Resources"], [.65, .3, .05]),
        "DistanceFromHome": ints(rng, n, 1, 29), "Education": ints(rng, n, 1, 5),
        "EducationField": pick(rng, n, ["Life Sciences", "Medical", "Marketing", "Technical Degree", "Other"]),
        "EmployeeCount": 1, "EmployeeNumber": np.sort(rng.choice(np.arange(1, 2069), n, replace=False)),
        "EnvironmentSatisfaction": scale["EnvironmentSatisfaction"],
        "Gender": pick(rng, n, ["Male", "Female"], [.6, .4]),
        "HourlyRate": ints(rng, n, 30, 100), "JobInvolvement": scale["JobInvolvement"], "JobLevel": ints(rng, n, 1, 5),
        "JobRole": pick(rng, n, ["Sales Executive", "Research Scientist", "Laboratory Technician", "Manager",
                                 "Healthcare Representative", "Sales Representative"]),
        "JobSatisfaction": ints(rng, n, 1, 4), "MaritalStatus": pick(rng, n, ["Married", "Single", "Divorced"]),
        "MonthlyIncome": income, "MonthlyRate": ints(rng, n, 2094, 26999), "NumCompaniesWorked": ints(rng, n, 0, 9),
        "Over18": "Y", "OverTime": overtime, "PercentSalaryHike": ints(rng, n, 11, 25),
        "PerformanceRating": pick(rng, n, [3, 4], [.85, .15]), "RelationshipSatisfaction": ints(rng, n, 1, 4),
        "StandardHours": 80, "StockOptionLevel": ints(rng, n, 0, 3), "TotalWorkingYears": ints(rng, n, 0, 40),
        "TrainingTimesLastYear": ints(rng, n, 0, 6), "WorkLifeBalance": ints(rng, n, 1, 4),
        "YearsAtCompany": ints(rng, n, 0, 40), "YearsInCurrentRole": ints(rng, n, 0, 18),
        "YearsSinceLastPromotion": ints(rng, n, 0, 15), "YearsWithCurrManager": ints(rng, n, 0, 17)})


@table("campus_placement", "status", "Campus Recruitment / placement data (Kaggle)", 215)
def placement(rng: np.random.Generator, n: int) -> pd.DataFrame:
    degree, work = normal(rng, n, 66, 7.4, 50, 91, 2), pick(rng, n, ["No", "Yes"], [.66, .34])
    placed = yes_no(z(degree) + (work == "Yes"), rng, .8, ("Not Placed", "Placed"))
    salary = np.where(placed == "Placed", pick(rng, n, [200000, 240000, 250000, 265000, 300000, 360000, 400000]),
                      np.nan)
    return pd.DataFrame({
        "sl_no": np.arange(1, n + 1), "gender": pick(rng, n, ["M", "F"], [.65, .35]),
        "ssc_p": normal(rng, n, 67, 10.8, 40.9, 89.4, 2), "ssc_b": pick(rng, n, ["Central", "Others"]),
        "hsc_p": normal(rng, n, 66, 10.9, 37, 97.7, 2), "hsc_b": pick(rng, n, ["Others", "Central"]),
        "hsc_s": pick(rng, n, ["Commerce", "Science", "Arts"], [.53, .42, .05]), "degree_p": degree,
        "degree_t": pick(rng, n, ["Comm&Mgmt", "Sci&Tech", "Others"], [.67, .27, .06]), "workex": work,
        "etest_p": normal(rng, n, 72, 13, 50, 98, 2), "specialisation": pick(rng, n, ["Mkt&Fin", "Mkt&HR"]),
        "mba_p": normal(rng, n, 62, 5.8, 51.2, 77.9, 2), "status": placed, "salary": salary})


@table("insurance_charges", "charges", "Medical Cost Personal (insurance.csv, Kaggle)", 300)
def insurance(rng: np.random.Generator, n: int) -> pd.DataFrame:
    age, bmi, smoker = ints(rng, n, 18, 64), normal(rng, n, 30.7, 6.1, 16, 53, 3), pick(rng, n, ["no", "yes"], [.8, .2])
    charges = 250 * age + 300 * (bmi - 30) * (smoker == "yes") + 23000 * (smoker == "yes") + rng.gamma(2, 1500, n)
    return pd.DataFrame({"age": age, "sex": pick(rng, n, ["female", "male"]), "bmi": bmi,
                         "children": pick(rng, n, [0, 1, 2, 3, 4, 5], [.43, .24, .18, .12, .02, .01]), "smoker": smoker,
                         "region": pick(rng, n, ["southeast", "southwest", "northwest", "northeast"]),
                         "charges": np.round(np.maximum(charges, 1121.87), 5)})


@table("hotel_bookings", "is_canceled", "Hotel booking demand (Antonio, Almeida & Nunes 2019)", 300)
def hotel(rng: np.random.Generator, n: int) -> pd.DataFrame:
    lead, deposit = np.round(np.exp(rng.normal(4, 1.2, n))).astype(int), pick(rng, n, ["No Deposit", "Non Refund",
                                                                                        "Refundable"], [.87, .12, .01])
    canceled = yes_no(z(lead) + 2 * (deposit == "Non Refund"), rng, -.6)
    status = np.where(canceled == 1, pick(rng, n, ["Canceled", "No-Show"], [.96, .04]), "Check-Out")
    return pd.DataFrame({
        "hotel": pick(rng, n, ["City Hotel", "Resort Hotel"], [.66, .34]), "is_canceled": canceled, "lead_time": lead,
        "arrival_date_year": pick(rng, n, [2015, 2016, 2017]), "arrival_date_month": pick(
            rng, n, ["July", "August", "May", "October", "March", "December"]),
        "arrival_date_week_number": ints(rng, n, 1, 53), "arrival_date_day_of_month": ints(rng, n, 1, 31),
        "stays_in_weekend_nights": ints(rng, n, 0, 4), "stays_in_week_nights": ints(rng, n, 0, 10),
        "adults": pick(rng, n, [1, 2, 3], [.19, .75, .06]), "children": pick(rng, n, [0, 1, 2], [.93, .04, .03]),
        "babies": pick(rng, n, [0, 1], [.99, .01]), "meal": pick(rng, n, ["BB", "HB", "SC", "FB"], [.77, .12, .1, .01]),
        "country": holes(rng, pick(rng, n, ["PRT", "GBR", "FRA", "ESP", "DEU", "ITA", "IRL", "BEL"]), .01),
        "market_segment": pick(rng, n, ["Online TA", "Offline TA/TO", "Groups", "Direct", "Corporate"]),
        "distribution_channel": pick(rng, n, ["TA/TO", "Direct", "Corporate"], [.82, .12, .06]),
        "is_repeated_guest": pick(rng, n, [0, 1], [.97, .03]),
        "previous_cancellations": pick(rng, n, [0, 1], [.95, .05]),
        "previous_bookings_not_canceled": pick(rng, n, [0, 1, 2], [.97, .02, .01]),
        "reserved_room_type": pick(rng, n, ["A", "D", "E", "F"], [.72, .16, .06, .06]),
        "assigned_room_type": pick(rng, n, ["A", "D", "E", "C"], [.62, .21, .07, .1]),
        "booking_changes": pick(rng, n, [0, 1, 2], [.85, .11, .04]), "deposit_type": deposit,
        "agent": holes(rng, pick(rng, n, [9.0, 240.0, 1.0, 14.0, 7.0]), .14), "company": holes(rng, pick(
            rng, n, [40.0, 223.0, 67.0]), .94),
        "days_in_waiting_list": np.where(rng.random(n) < .97, 0, ints(rng, n, 1, 120)),
        "customer_type": pick(rng, n, ["Transient", "Transient-Party", "Contract", "Group"], [.75, .21, .03, .01]),
        "adr": normal(rng, n, 102, 48, 0, 510, 2), "required_car_parking_spaces": pick(rng, n, [0, 1], [.94, .06]),
        "total_of_special_requests": pick(rng, n, [0, 1, 2, 3], [.59, .28, .11, .02]), "reservation_status": status,
        "reservation_status_date": dates(rng, n, "2015-07-01", 800)})


@table("airline_passenger_satisfaction", "satisfaction", "Airline Passenger Satisfaction (Kaggle)", 250)
def airline(rng: np.random.Generator, n: int) -> pd.DataFrame:
    travel, wifi = pick(rng, n, ["Business travel", "Personal Travel"], [.69, .31]), ints(rng, n, 0, 5)
    ratings = {c: ints(rng, n, 0, 5) for c in (
        "Departure/Arrival time convenient", "Ease of Online booking", "Gate location", "Food and drink",
        "Online boarding", "Seat comfort", "Inflight entertainment", "On-board service", "Leg room service",
        "Baggage handling", "Checkin service", "Inflight service", "Cleanliness")}
    delay = np.where(rng.random(n) < .56, 0, np.round(np.exp(rng.normal(2.8, 1.2, n)))).astype(int)
    return pd.DataFrame({
        "id": rng.permutation(np.arange(1, 129881))[:n], "Gender": pick(rng, n, ["Female", "Male"]),
        "Customer Type": pick(rng, n, ["Loyal Customer", "disloyal Customer"], [.82, .18]), "Age": ints(rng, n, 7, 85),
        "Type of Travel": travel, "Class": pick(rng, n, ["Business", "Eco", "Eco Plus"], [.48, .45, .07]),
        "Flight Distance": ints(rng, n, 31, 4983), "Inflight wifi service": wifi, **ratings,
        "Departure Delay in Minutes": delay, "Arrival Delay in Minutes": holes(rng, delay + ints(rng, n, -5, 10), .003),
        "satisfaction": yes_no(z(wifi) + (travel == "Business travel"), rng, -.3,
                               ("neutral or dissatisfied", "satisfied"))})


@table("online_shoppers_intention", "Revenue", "Online Shoppers Purchasing Intention (UCI)", 300)
def shoppers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    page_values = np.where(rng.random(n) < .78, 0.0, np.round(np.exp(rng.normal(3, 1.2, n)), 6))
    products = rng.poisson(30, n)
    return pd.DataFrame({
        "Administrative": rng.poisson(2.3, n), "Administrative_Duration": np.round(rng.exponential(80, n), 2),
        "Informational": rng.poisson(.5, n), "Informational_Duration": np.round(rng.exponential(30, n), 2),
        "ProductRelated": products, "ProductRelated_Duration": np.round(products * rng.exponential(38, n), 3),
        "BounceRates": np.round(rng.exponential(.02, n), 6), "ExitRates": np.round(rng.exponential(.04, n), 6),
        "PageValues": page_values,
        "SpecialDay": pick(rng, n, [0.0, .2, .4, .6, .8, 1.0], [.9, .02, .02, .03, .02, .01]),
        "Month": pick(rng, n, ["May", "Nov", "Mar", "Dec", "Oct", "Sep", "Aug", "Jul", "June", "Feb"]),
        "OperatingSystems": pick(rng, n, [1, 2, 3, 4], [.21, .54, .21, .04]), "Browser": pick(rng, n, [1, 2, 4, 5]),
        "Region": ints(rng, n, 1, 9), "TrafficType": ints(rng, n, 1, 20),
        "VisitorType": pick(rng, n, ["Returning_Visitor", "New_Visitor", "Other"], [.85, .14, .01]),
        "Weekend": pick(rng, n, [False, True], [.77, .23]),
        "Revenue": yes_no(z(page_values), rng, -1.8, (False, True))})


@table("customer_support_tickets", "satisfaction_rating", "Customer Support Ticket Dataset (Kaggle)", 200)
def tickets(rng: np.random.Generator, n: int) -> pd.DataFrame:
    issues = ["My {p} stopped working after the latest update and I cannot log in anymore.",
              "I was charged twice for my {p} subscription this month, please refund the duplicate.",
              "The {p} arrived damaged and the screen has a crack in the corner.",
              "How do I reset the settings of my {p} to factory defaults without losing data?",
              "The battery of the {p} drains within two hours even when it is not used."]
    products = pick(rng, n, ["GoPro Hero", "LG Smart TV", "Dell XPS", "Microsoft Office", "Nest Thermostat",
                             "Fitbit Charge", "Canon EOS", "Sony PlayStation"])
    response = np.round(rng.exponential(9, n), 1)
    return pd.DataFrame({
        "ticket_id": np.arange(1, n + 1), "created_at": dates(rng, n, "2021-01-01", 700, "%Y-%m-%d %H:%M:%S"),
        "customer_email": [f"{FIRST[a].lower()}{b}@example.com"
                           for a, b in zip(ints(rng, n, 0, 15), ints(rng, n, 1, 999), strict=True)],
        "customer_age": ints(rng, n, 18, 70), "channel": pick(rng, n, ["Email", "Phone", "Chat", "Social media"]),
        "product": products, "ticket_type": pick(rng, n, ["Technical issue", "Billing inquiry", "Refund request",
                                                          "Product inquiry", "Cancellation request"]),
        "description": [issues[i].format(p=p) + f" Order #{k}." for i, p, k in zip(ints(rng, n, 0, 4), products,
                                                                                   ints(rng, n, 10000, 99999),
                                                                                   strict=True)],
        "priority": pick(rng, n, ["Low", "Medium", "High", "Critical"]), "first_response_hours": response,
        "resolution_hours": np.round(response + rng.exponential(30, n), 1),
        "satisfaction_rating": np.clip(np.round(4.2 - response / 10 + rng.normal(0, 1, n)), 1, 5).astype(int)})


@table("sms_spam", "label", "SMS Spam Collection (UCI)", 200)
def sms(rng: np.random.Generator, n: int) -> pd.DataFrame:
    ham = ["Ok lar... see you at {t} then", "Are we still meeting for lunch at {t} today?",
           "Sorry I'll call you later, in a meeting till {t}", "Can you pick up milk on the way home? Thanks",
           "Haha that's so funny, tell me more when we meet at {t}"]
    spam = ["WINNER!! You have been selected to receive a £{k} prize. Call 09061701461 to claim now",
            "Free entry in a weekly competition to win FA Cup tickets, text FA to 87121 (£{k} cost)",
            "URGENT! Your mobile number has won a £{k} bonus. Reply CLAIM to 80062 before midnight"]
    is_spam = rng.random(n) < .13
    texts = [(spam[k % 3].format(k=100 * k) if s else ham[k % 5].format(t=f"{k % 12 + 1}pm"))
             for s, k in zip(is_spam, ints(rng, n, 1, 5000), strict=True)]
    return pd.DataFrame({"label": np.where(is_spam, "spam", "ham"), "message": texts})


@table("employee_salary", "Salary", "Salary Data (age, experience, job title; Kaggle)", 250)
def salary(rng: np.random.Generator, n: int) -> pd.DataFrame:
    years, level = normal(rng, n, 8, 6, 0, 34, 0), pick(rng, n, ["Bachelor's", "Master's", "PhD", "High School"],
                                                          [.5, .3, .12, .08])
    titles = ["Software Engineer", "Data Analyst", "Sales Manager", "Marketing Coordinator", "Product Manager",
              "HR Generalist", "Financial Analyst", "Project Engineer", "Operations Director", "Receptionist"]
    pay = 35000 + 6000 * years + 20000 * (level == "PhD") + 10000 * (level == "Master's") + rng.normal(0, 12000, n)
    return pd.DataFrame({"Age": np.clip(years + ints(rng, n, 21, 30), 21, 62),
                         "Gender": pick(rng, n, ["Male", "Female"]),
                         "Education Level": level, "Job Title": pick(rng, n, titles), "Years of Experience": years,
                         "Salary": np.round(np.maximum(pay, 25000), -3)})


# --- science, places and things ------------------------------------------------------------------------------------

@table("wine_quality_red", "quality", "Wine Quality, red (UCI, Cortez et al. 2009)", 300)
def wine(rng: np.random.Generator, n: int) -> pd.DataFrame:
    alcohol, volatile = normal(rng, n, 10.4, 1.1, 8.4, 14.9), normal(rng, n, .53, .18, .12, 1.58, 3)
    quality = np.clip(np.round(5.6 + .35 * z(alcohol) - .25 * z(volatile) + rng.normal(0, .6, n)), 3, 8).astype(int)
    return pd.DataFrame({
        "fixed acidity": normal(rng, n, 8.3, 1.7, 4.6, 15.9), "volatile acidity": volatile,
        "citric acid": normal(rng, n, .27, .19, 0, 1, 2), "residual sugar": normal(rng, n, 2.5, 1.4, .9, 15.5),
        "chlorides": normal(rng, n, .087, .047, .012, .611, 3), "free sulfur dioxide": normal(rng, n, 16, 10, 1, 72, 0),
        "total sulfur dioxide": normal(rng, n, 46, 33, 6, 289, 0),
        "density": normal(rng, n, .9967, .0019, .990, 1.004, 4),
        "pH": normal(rng, n, 3.31, .15, 2.74, 4.01, 2), "sulphates": normal(rng, n, .66, .17, .33, 2, 2),
        "alcohol": alcohol, "quality": quality})


@table("california_housing", "median_house_value", "California Housing (1990 census, Géron / Kaggle)", 300)
def california(rng: np.random.Generator, n: int) -> pd.DataFrame:
    income, rooms = np.round(np.exp(rng.normal(1.25, .45, n)), 4), np.round(np.exp(rng.normal(7.6, .7, n)))
    value = np.clip(np.round(45000 * income + rng.normal(0, 60000, n) + 30000, -2), 14999, 500001)
    return pd.DataFrame({
        "longitude": normal(rng, n, -119.6, 2, -124.3, -114.3, 2), "latitude": normal(rng, n, 35.6, 2.1, 32.5, 42, 2),
        "housing_median_age": ints(rng, n, 1, 52), "total_rooms": rooms,
        "total_bedrooms": holes(rng, np.round(rooms * rng.uniform(.15, .25, n)), .01),
        "population": np.round(rooms * rng.uniform(2, 3.5, n)),
        "households": np.round(rooms * rng.uniform(.16, .22, n)),
        "median_income": income, "median_house_value": value,
        "ocean_proximity": pick(rng, n, ["<1H OCEAN", "INLAND", "NEAR OCEAN", "NEAR BAY", "ISLAND"],
                                [.44, .32, .13, .1, .01])})


@table("boston_housing", "MEDV", "Boston Housing (Harrison & Rubinfeld 1978)", 250)
def boston(rng: np.random.Generator, n: int) -> pd.DataFrame:
    rooms, lstat = normal(rng, n, 6.28, .7, 3.56, 8.78, 3), normal(rng, n, 12.7, 7.1, 1.73, 37.97, 2)
    return pd.DataFrame({
        "CRIM": np.round(np.exp(rng.normal(-1.5, 2, n)), 5), "ZN": pick(rng, n, [0.0, 12.5, 20.0, 25.0, 80.0],
                                                                         [.74, .07, .07, .06, .06]),
        "INDUS": normal(rng, n, 11.1, 6.9, .46, 27.74, 2), "CHAS": pick(rng, n, [0, 1], [.93, .07]),
        "NOX": normal(rng, n, .555, .116, .385, .871, 3), "RM": rooms, "AGE": normal(rng, n, 68.6, 28, 2.9, 100),
        "DIS": normal(rng, n, 3.8, 2.1, 1.13, 12.13, 4), "RAD": pick(rng, n, [1, 2, 3, 4, 5, 6, 7, 8, 24]),
        "TAX": ints(rng, n, 187, 711), "PTRATIO": normal(rng, n, 18.5, 2.2, 12.6, 22),
        "B": normal(rng, n, 356, 91, .32, 396.9, 2), "LSTAT": lstat,
        "MEDV": np.clip(np.round(22.5 + 5 * z(rooms) - 4 * z(lstat) + rng.normal(0, 3, n), 1), 5, 50)})


@table("house_prices_ames", "SalePrice", "House Prices: Ames, Iowa (De Cock 2011, Kaggle)", 250)
def ames(rng: np.random.Generator, n: int) -> pd.DataFrame:
    area, quality, built = ints(rng, n, 334, 4476), ints(rng, n, 2, 10), ints(rng, n, 1880, 2010)
    price = np.round(np.exp(10.5 + .12 * quality + .0004 * area + .003 * (built - 1970) + rng.normal(0, .15, n)))
    return pd.DataFrame({
        "Id": np.arange(1, n + 1), "MSSubClass": pick(rng, n, [20, 30, 50, 60, 70, 80, 90, 120, 160, 190]),
        "MSZoning": pick(rng, n, ["RL", "RM", "FV", "RH", "C (all)"], [.79, .15, .04, .01, .01]),
        "LotFrontage": holes(rng, normal(rng, n, 70, 24, 21, 313, 0), .18), "LotArea": ints(rng, n, 1300, 215245),
        "Street": pick(rng, n, ["Pave", "Grvl"], [.996, .004]),
        "Alley": holes(rng, pick(rng, n, ["Grvl", "Pave"]), .94),
        "LotShape": pick(rng, n, ["Reg", "IR1", "IR2", "IR3"], [.63, .33, .03, .01]),
        "Neighborhood": pick(rng, n, ["NAmes", "CollgCr", "OldTown", "Edwards", "Somerst", "Gilbert", "NridgHt"]),
        "BldgType": pick(rng, n, ["1Fam", "TwnhsE", "Duplex", "Twnhs", "2fmCon"], [.84, .08, .04, .03, .01]),
        "OverallQual": quality, "OverallCond": ints(rng, n, 1, 9), "YearBuilt": built,
        "YearRemodAdd": np.maximum(built, ints(rng, n, 1950, 2010)), "GrLivArea": area,
        "FullBath": pick(rng, n, [1, 2, 3]), "BedroomAbvGr": ints(rng, n, 0, 6),
        "KitchenQual": pick(rng, n, ["TA", "Gd", "Ex", "Fa"], [.5, .4, .07, .03]), "GarageCars": ints(rng, n, 0, 4),
        "PoolQC": holes(rng, pick(rng, n, ["Gd", "Ex", "Fa"]), .995), "MoSold": ints(rng, n, 1, 12),
        "YrSold": ints(rng, n, 2006, 2010), "SaleType": pick(rng, n, ["WD", "New", "COD"], [.87, .08, .05]),
        "SaleCondition": pick(rng, n, ["Normal", "Partial", "Abnorml", "Family"], [.82, .09, .07, .02]),
        "SalePrice": price.astype(int)})


@table("bike_sharing_day", "cnt", "Bike Sharing, daily (UCI, Capital Bikeshare)", 300)
def bikes(rng: np.random.Generator, n: int) -> pd.DataFrame:
    days = pd.date_range("2011-01-01", periods=n, freq="D")
    temp = np.round(.5 + .3 * np.sin((days.day_of_year - 100) / 58) + rng.normal(0, .05, n), 6)
    casual = np.maximum(2, np.round(850 * temp + rng.normal(0, 300, n))).astype(int)
    registered = np.maximum(20, np.round(3600 * temp + rng.normal(0, 700, n) + 1000)).astype(int)
    return pd.DataFrame({
        "instant": np.arange(1, n + 1), "dteday": days.strftime("%Y-%m-%d"), "season": (days.month % 12 // 3) + 1,
        "yr": (days.year - 2011), "mnth": days.month, "holiday": pick(rng, n, [0, 1], [.97, .03]),
        "weekday": days.day_of_week, "workingday": (days.day_of_week < 5).astype(int),
        "weathersit": pick(rng, n, [1, 2, 3], [.63, .34, .03]), "temp": temp,
        "atemp": np.round(temp * .93 + rng.normal(0, .02, n), 6), "hum": normal(rng, n, .63, .14, 0, .97, 4),
        "windspeed": normal(rng, n, .19, .08, .02, .51, 6), "casual": casual, "registered": registered,
        "cnt": casual + registered})


@table("student_performance_portuguese", "G3", "Student Performance, Portuguese class (UCI, Cortez 2008)", 300)
def students(rng: np.random.Generator, n: int) -> pd.DataFrame:
    g1 = np.clip(np.round(rng.normal(11.4, 2.7, n)), 0, 19).astype(int)
    g2 = np.clip(g1 + np.round(rng.normal(.2, 1.2, n)), 0, 19).astype(int)
    g3 = np.clip(g2 + np.round(rng.normal(.3, 1.3, n)), 0, 19).astype(int)
    yes = ["yes", "no"]
    return pd.DataFrame({
        "school": pick(rng, n, ["GP", "MS"], [.65, .35]), "sex": pick(rng, n, ["F", "M"], [.59, .41]),
        "age": ints(rng, n, 15, 22), "address": pick(rng, n, ["U", "R"], [.7, .3]),
        "famsize": pick(rng, n, ["GT3", "LE3"]),
        "Pstatus": pick(rng, n, ["T", "A"], [.88, .12]), "Medu": ints(rng, n, 0, 4), "Fedu": ints(rng, n, 0, 4),
        "Mjob": pick(rng, n, ["other", "services", "at_home", "teacher", "health"]),
        "Fjob": pick(rng, n, ["other", "services", "at_home", "teacher", "health"]),
        "reason": pick(rng, n, ["course", "home", "reputation", "other"]), "guardian": pick(rng, n, ["mother", "father",
                                                                                                      "other"]),
        "traveltime": ints(rng, n, 1, 4), "studytime": ints(rng, n, 1, 4), "failures": pick(rng, n, [0, 1, 2, 3],
                                                                                         [.84, .11, .03, .02]),
        **{c: pick(rng, n, yes) for c in ("schoolsup", "famsup", "paid", "activities", "nursery", "higher",
                                          "internet", "romantic")},
        "famrel": ints(rng, n, 1, 5), "freetime": ints(rng, n, 1, 5), "goout": ints(rng, n, 1, 5),
        "Dalc": ints(rng, n, 1, 5), "Walc": ints(rng, n, 1, 5), "health": ints(rng, n, 1, 5),
        "absences": rng.poisson(3.6, n), "G1": g1, "G2": g2, "G3": g3})


@table("iris", "species", "Iris (Fisher 1936; seaborn)", 150)
def iris(rng: np.random.Generator, n: int) -> pd.DataFrame:
    species = np.repeat(["setosa", "versicolor", "virginica"], n // 3)
    k = np.repeat([0, 1, 2], n // 3)

    def measure(means: tuple[float, float, float], sds: tuple[float, float, float]) -> np.ndarray:
        return np.round(np.clip(np.take(means, k) + np.take(sds, k) * rng.normal(0, 1, n), .1, None), 1)

    return pd.DataFrame({"sepal_length": measure((5.01, 5.94, 6.59), (.35, .52, .64)),
                         "sepal_width": measure((3.43, 2.77, 2.97), (.38, .31, .32)),
                         "petal_length": measure((1.46, 4.26, 5.55), (.17, .47, .55)),
                         "petal_width": measure((.25, 1.33, 2.03), (.11, .2, .27)),
                         "species": species})


@table("palmer_penguins", "species", "Palmer Penguins (Horst, Hill & Gorman 2020)", 300)
def penguins(rng: np.random.Generator, n: int) -> pd.DataFrame:
    kind = pick(rng, n, ["Adelie", "Gentoo", "Chinstrap"], [.44, .36, .2])
    k = pd.Series(kind).map({"Adelie": 0, "Chinstrap": 1, "Gentoo": 2}).to_numpy()
    return pd.DataFrame({
        "species": kind, "island": np.where(k == 2, "Biscoe", np.where(k == 1, "Dream", pick(
            rng, n, ["Torgersen", "Biscoe", "Dream"]))),
        "bill_length_mm": holes(rng, np.round(38.8 + 9.8 * (k == 1) + 8.7 * (k == 2) + rng.normal(0, 2.6, n), 1), .01),
        "bill_depth_mm": np.round(18.3 - 3.3 * (k == 2) + rng.normal(0, 1.1, n), 1),
        "flipper_length_mm": np.round(190 + 6 * (k == 1) + 27 * (k == 2) + rng.normal(0, 6.5, n)),
        "body_mass_g": np.round(3700 + 1380 * (k == 2) + rng.normal(0, 450, n), -1),
        "sex": holes(rng, pick(rng, n, ["MALE", "FEMALE"]), .03)})


@table("mushroom", "class", "Mushroom (UCI, Audubon field guide)", 300)
def mushroom(rng: np.random.Generator, n: int) -> pd.DataFrame:
    odor = pick(rng, n, list("nfyspalcm"), [.43, .27, .07, .07, .05, .05, .05, .01, .0 + .0 + .0 + .0])
    poisonous = np.isin(odor, list("fyspcm")) | ((odor == "n") & (rng.random(n) < .03))
    columns = {"cap-shape": "xfbkcs", "cap-surface": "yfsg", "cap-color": "nygewbpcur", "bruises": "tf",
               "odor": None, "gill-attachment": "fa", "gill-spacing": "cw", "gill-size": "bn",
               "gill-color": "bpwnghuke", "stalk-shape": "te", "stalk-root": "bec?r",
               "stalk-surface-above-ring": "sfky",
               "stalk-color-above-ring": "wpgnb", "veil-type": "p", "veil-color": "wnoy", "ring-number": "otn",
               "ring-type": "pelfn", "spore-print-color": "wnkhr", "population": "vysnac", "habitat": "dgpulmw"}
    frame = {"class": np.where(poisonous, "p", "e")}
    frame |= {name: (odor if values is None else pick(rng, n, list(values))) for name, values in columns.items()}
    return pd.DataFrame(frame)


@table("car_evaluation", "class", "Car Evaluation (UCI, Bohanec & Rajkovič)", 300)
def cars(rng: np.random.Generator, n: int) -> pd.DataFrame:
    levels = ["vhigh", "high", "med", "low"]
    buying, safety = pick(rng, n, levels), pick(rng, n, ["low", "med", "high"])
    persons = pick(rng, n, ["2", "4", "more"])
    score = (pd.Series(buying).map({"vhigh": 0, "high": 1, "med": 2, "low": 3}) + pd.Series(safety).map(
        {"low": -9, "med": 1, "high": 2}) + (persons != "2") * 1 - (persons == "2") * 9).to_numpy()
    label = np.select([score < 1, score < 3, score < 5], ["unacc", "acc", "good"], "vgood")
    return pd.DataFrame({"buying": buying, "maint": pick(rng, n, levels),
                         "doors": pick(rng, n, ["2", "3", "4", "5more"]),
                         "persons": persons, "lug_boot": pick(rng, n, ["small", "med", "big"]), "safety": safety,
                         "class": label})


@table("credit_card_fraud", "Class", "Credit Card Fraud Detection (ULB, Kaggle)", 250)
def fraud(rng: np.random.Generator, n: int) -> pd.DataFrame:
    is_fraud = rng.random(n) < .04
    frame = {"Time": np.sort(ints(rng, n, 0, 172792)).astype(float)}
    frame |= {f"V{k}": np.round(rng.normal(-1.5 * is_fraud * (k in (3, 10, 12, 14, 17)), 1 + .5 * is_fraud), 6)
              for k in range(1, 29)}
    frame |= {"Amount": np.round(np.exp(rng.normal(3, 1.6, n)), 2), "Class": is_fraud.astype(int)}
    return pd.DataFrame(frame)


@table("abalone", "Rings", "Abalone (UCI, Nash et al. 1994)", 300)
def abalone(rng: np.random.Generator, n: int) -> pd.DataFrame:
    length = normal(rng, n, .52, .12, .075, .815, 3)
    whole = np.round(length ** 3 * 6 + rng.normal(0, .05, n).clip(-.1), 4).clip(.002)
    return pd.DataFrame({
        "Sex": pick(rng, n, ["M", "I", "F"]), "Length": length, "Diameter": np.round(length * .79, 3),
        "Height": np.round(length * .27 + rng.normal(0, .01, n), 3), "Whole weight": whole,
        "Shucked weight": np.round(whole * .43, 4), "Viscera weight": np.round(whole * .22, 4),
        "Shell weight": np.round(whole * .29, 4),
        "Rings": np.clip(np.round(3 + 15 * length + rng.normal(0, 2.2, n)), 1, 29).astype(int)})


@table("auto_mpg", "mpg", "Auto MPG (UCI, StatLib)", 300)
def auto(rng: np.random.Generator, n: int) -> pd.DataFrame:
    cylinders = pick(rng, n, [4, 6, 8], [.51, .21, .28])
    weight = np.round(1600 + 450 * cylinders + rng.normal(0, 300, n))
    makes = ["ford", "chevrolet", "plymouth", "dodge", "toyota", "datsun", "amc", "honda", "volkswagen", "buick"]
    models = ["pinto", "maverick", "impala", "corolla", "civic", "rabbit", "hornet", "duster", "510", "skylark",
              "torino", "nova", "colt", "corona", "accord"]
    return pd.DataFrame({
        "mpg": np.round(np.clip(46 - .0075 * weight + rng.normal(0, 3, n), 9, 46.6), 1), "cylinders": cylinders,
        "displacement": np.round(cylinders * 40 + rng.normal(0, 20, n)), "horsepower": holes(
            rng, np.round(cylinders * 17 + rng.normal(0, 12, n)), .02), "weight": weight,
        "acceleration": normal(rng, n, 15.5, 2.8, 8, 24.8), "model year": ints(rng, n, 70, 82),
        "origin": pick(rng, n, [1, 2, 3], [.62, .18, .2]),
        "car name": [f"{makes[a]} {models[b]}"
                     for a, b in zip(ints(rng, n, 0, 9), ints(rng, n, 0, 14), strict=True)]})


@table("concrete_strength", "Concrete compressive strength(MPa, megapascals)",
       "Concrete Compressive Strength (UCI, Yeh 1998)", 300)
def concrete(rng: np.random.Generator, n: int) -> pd.DataFrame:
    cement, water, age = normal(rng, n, 281, 104, 102, 540), normal(rng, n, 182, 21, 122, 247), pick(
        rng, n, [3, 7, 14, 28, 56, 90, 180, 365], [.13, .12, .06, .41, .09, .07, .04, .08])
    return pd.DataFrame({
        "Cement (component 1)(kg in a m^3 mixture)": cement,
        "Blast Furnace Slag (component 2)(kg in a m^3 mixture)": np.where(rng.random(n) < .45, 0,
                                                                          normal(rng, n, 130, 60, 11, 359)),
        "Fly Ash (component 3)(kg in a m^3 mixture)": np.where(rng.random(n) < .55, 0,
                                                               normal(rng, n, 120, 30, 24, 200)),
        "Water  (component 4)(kg in a m^3 mixture)": water,
        "Superplasticizer (component 5)(kg in a m^3 mixture)": normal(rng, n, 6.2, 6, 0, 32.2),
        "Coarse Aggregate  (component 6)(kg in a m^3 mixture)": normal(rng, n, 973, 78, 801, 1145),
        "Fine Aggregate (component 7)(kg in a m^3 mixture)": normal(rng, n, 774, 80, 594, 992.6),
        "Age (day)": age,
        "Concrete compressive strength(MPa, megapascals)": np.round(np.clip(
            .1 * cement - .2 * water + 8 * np.log(age) + 30 + rng.normal(0, 6, n), 2.33, 82.6), 2)})


@table("diamonds", "price", "Diamonds (ggplot2 / seaborn)", 300)
def diamonds(rng: np.random.Generator, n: int) -> pd.DataFrame:
    carat = np.round(np.exp(rng.normal(-.4, .55, n)), 2).clip(.2, 5)
    size = np.cbrt(carat / .0061)
    return pd.DataFrame({
        "carat": carat,
        "cut": pick(rng, n, ["Ideal", "Premium", "Very Good", "Good", "Fair"], [.4, .26, .22, .09, .03]),
        "color": pick(rng, n, list("DEFGHIJ")),
        "clarity": pick(rng, n, ["SI1", "VS2", "SI2", "VS1", "VVS2", "VVS1", "IF"]),
        "depth": normal(rng, n, 61.7, 1.4, 43, 79), "table": normal(rng, n, 57.5, 2.2, 43, 95, 0),
        "price": np.round(np.exp(8.45 + 1.68 * np.log(carat) + rng.normal(0, .25, n))).astype(int),
        "x": np.round(size, 2), "y": np.round(size + rng.normal(0, .03, n), 2), "z": np.round(size * .62, 2)})


@table("water_potability", "Potability", "Water Quality / potability (Kaggle)", 300)
def water(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "ph": holes(rng, normal(rng, n, 7.08, 1.6, 0, 14, 6), .15), "Hardness": normal(rng, n, 196, 33, 47, 323, 6),
        "Solids": normal(rng, n, 22014, 8769, 320, 61227, 4), "Chloramines": normal(rng, n, 7.1, 1.6, .35, 13.1, 6),
        "Sulfate": holes(rng, normal(rng, n, 333, 41, 129, 481, 6), .24),
        "Conductivity": normal(rng, n, 426, 81, 181, 753, 6),
        "Organic_carbon": normal(rng, n, 14.3, 3.3, 2.2, 28.3, 6), "Trihalomethanes": holes(
            rng, normal(rng, n, 66, 16, .74, 124, 6), .05),
        "Turbidity": normal(rng, n, 3.97, .78, 1.45, 6.74, 6), "Potability": pick(rng, n, [0, 1], [.61, .39])})


@table("mobile_price_classification", "price_range", "Mobile Price Classification (Kaggle)", 250)
def mobiles(rng: np.random.Generator, n: int) -> pd.DataFrame:
    ram = ints(rng, n, 256, 3998)
    flags = {c: pick(rng, n, [0, 1]) for c in ("blue", "dual_sim", "four_g", "three_g", "touch_screen", "wifi")}
    return pd.DataFrame({
        "battery_power": ints(rng, n, 501, 1998), "blue": flags["blue"], "clock_speed": normal(rng, n, 1.5, .8, .5, 3),
        "dual_sim": flags["dual_sim"], "fc": pick(rng, n, list(range(0, 20))), "four_g": flags["four_g"],
        "int_memory": ints(rng, n, 2, 64), "m_dep": pick(rng, n, [round(.1 * k, 1) for k in range(1, 11)]),
        "mobile_wt": ints(rng, n, 80, 200), "n_cores": ints(rng, n, 1, 8), "pc": ints(rng, n, 0, 20),
        "px_height": ints(rng, n, 0, 1960), "px_width": ints(rng, n, 500, 1998), "ram": ram,
        "sc_h": ints(rng, n, 5, 19), "sc_w": ints(rng, n, 0, 18), "talk_time": ints(rng, n, 2, 20),
        "three_g": flags["three_g"], "touch_screen": flags["touch_screen"], "wifi": flags["wifi"],
        "price_range": np.clip((ram - 256) // 936 + pick(rng, n, [-1, 0, 0, 0, 1]), 0, 3)})


@table("used_car_prices", "selling_price", "Vehicle dataset from CarDekho (Kaggle)", 300)
def used_cars(rng: np.random.Generator, n: int) -> pd.DataFrame:
    models = ["Maruti Swift Dzire VDI", "Hyundai i20 Sportz 1.2", "Honda City 1.5 V MT", "Toyota Innova 2.5 G",
              "Mahindra XUV500 W8 2WD", "Maruti Alto 800 LXI", "Tata Indica V2 DLS", "Ford Figo Diesel Titanium",
              "Renault KWID RXT", "Hyundai Creta 1.6 SX"]
    year = ints(rng, n, 1996, 2020)
    return pd.DataFrame({
        "name": pick(rng, n, models), "year": year,
        "selling_price": np.round(np.exp(13.2 + .12 * (year - 2012) + rng.normal(0, .5, n)), -3).astype(int),
        "km_driven": np.round(np.exp(rng.normal(10.8, .7, n)), -2).astype(int),
        "fuel": pick(rng, n, ["Diesel", "Petrol", "CNG", "LPG"], [.49, .49, .01, .01]),
        "seller_type": pick(rng, n, ["Individual", "Dealer", "Trustmark Dealer"], [.83, .15, .02]),
        "transmission": pick(rng, n, ["Manual", "Automatic"], [.9, .1]),
        "owner": pick(rng, n, ["First Owner", "Second Owner", "Third Owner", "Fourth & Above Owner"],
                      [.65, .26, .07, .02])})


@table("obesity_levels", "NObeyesdad", "Estimation of obesity levels (UCI, Palechor & de la Hoz 2019)", 300)
def obesity(rng: np.random.Generator, n: int) -> pd.DataFrame:
    height, weight = normal(rng, n, 1.70, .09, 1.45, 1.98, 2), normal(rng, n, 86, 26, 39, 173)
    bmi = weight / height ** 2
    level = np.select([bmi < 18.5, bmi < 25, bmi < 27.5, bmi < 30, bmi < 35, bmi < 40],
                      ["Insufficient_Weight", "Normal_Weight", "Overweight_Level_I", "Overweight_Level_II",
                       "Obesity_Type_I", "Obesity_Type_II"], "Obesity_Type_III")
    return pd.DataFrame({
        "Gender": pick(rng, n, ["Male", "Female"]), "Age": normal(rng, n, 24, 6, 14, 61), "Height": height,
        "Weight": weight, "family_history_with_overweight": pick(rng, n, ["yes", "no"], [.82, .18]),
        "FAVC": pick(rng, n, ["yes", "no"], [.88, .12]), "FCVC": normal(rng, n, 2.4, .5, 1, 3, 2),
        "NCP": normal(rng, n, 2.7, .8, 1, 4, 2), "CAEC": pick(rng, n, ["Sometimes", "Frequently", "Always", "no"],
                                                             [.84, .11, .03, .02]),
        "SMOKE": pick(rng, n, ["no", "yes"], [.98, .02]), "CH2O": normal(rng, n, 2, .6, 1, 3, 2),
        "SCC": pick(rng, n, ["no", "yes"], [.95, .05]), "FAF": normal(rng, n, 1, .85, 0, 3, 2),
        "TUE": normal(rng, n, .66, .6, 0, 2, 2),
        "CALC": pick(rng, n, ["Sometimes", "no", "Frequently"], [.66, .3, .04]),
        "MTRANS": pick(rng, n, ["Public_Transportation", "Automobile", "Walking", "Motorbike", "Bike"],
                       [.75, .22, .02, .005, .005]), "NObeyesdad": level})


# --- writing -------------------------------------------------------------------------------------------------------

def write_set(out: Path, seed: int = 0) -> list[dict[str, object]]:
    """Write every table and the manifest; return the manifest entries."""
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for number, (stem, target, modelled_on, rows, builder) in enumerate(TABLES):
        frame = builder(np.random.default_rng(seed + number), rows)
        assert target in frame.columns, (stem, target)
        frame.to_csv(out / f"{stem}.csv", index=False)
        entries.append({"file": f"{stem}.csv", "target": target, "modelled_on": modelled_on, "rows": len(frame),
                        "columns": frame.shape[1], "target_position": list(frame.columns).index(target) + 1})
    manifest = {"description": "Synthetic tables that copy the columns of public datasets; 'target' is the column "
                               "that dataset is published to predict. Written by benchmarks/make_target_set.py.",
                "seed": seed, "datasets": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    entries = write_set(arguments.out, arguments.seed)
    size = sum((arguments.out / str(e["file"])).stat().st_size for e in entries)
    print(f"{len(entries)} tables, {size / 1024:,.0f} KB -> {arguments.out}")


if __name__ == "__main__":
    main()
