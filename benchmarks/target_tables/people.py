"""Tables modelled on datasets of customers, money and people."""

from __future__ import annotations

import numpy as np
import pandas as pd

from target_tables._common import FIRST, LAST, dates, holes, ints, normal, pick, table, yes_no, z


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
