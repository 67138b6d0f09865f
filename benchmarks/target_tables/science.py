"""Tables modelled on datasets of science, places and things."""

from __future__ import annotations

import numpy as np
import pandas as pd

from target_tables._common import holes, ints, normal, pick, table, z


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
