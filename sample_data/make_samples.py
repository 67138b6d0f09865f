"""Generate Kuai's synthetic sample datasets (deterministic).

Usage: python sample_data/make_samples.py
Writes customer_churn.csv, machine_failure_type.csv and house_prices.csv next to this file.
All data is synthetic; see README.md for columns, targets and the planted signal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240601
OUT_DIR = Path(__file__).resolve().parent


def _dates(rng: np.random.Generator, start: str, end: str, n: int) -> pd.DatetimeIndex:
    """Uniform random calendar dates in [start, end]."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    days = rng.integers(0, (hi - lo).days + 1, size=n)
    return pd.DatetimeIndex(lo + pd.to_timedelta(days, unit="D"))


def _ids(rng: np.random.Generator, prefix: str, n: int, width: int = 6) -> list[str]:
    """Unique, non-sequential ID strings such as 'C-000123'."""
    nums = rng.choice(10**width - 1, size=n, replace=False) + 1
    return [f"{prefix}-{x:0{width}d}" for x in nums]


def _mask(rng: np.random.Generator, values: pd.Series, frac: float) -> pd.Series:
    """Blank out roughly `frac` of the values (missing completely at random)."""
    return values.mask(rng.random(len(values)) < frac)


def make_customer_churn(rng: np.random.Generator, n: int = 2000) -> pd.DataFrame:
    snapshot = pd.Timestamp("2025-01-01")
    signup = _dates(rng, "2019-01-01", "2024-12-31", n)
    tenure = ((snapshot - signup).days // 30).to_numpy()
    # Long-tenure customers are more likely to be on longer contracts.
    p_long = np.clip(0.15 + tenure / 120, 0, 0.8)
    u = rng.random(n)
    contract = np.where(
        u < p_long / 2, "two year", np.where(u < p_long, "one year", "month-to-month")
    )
    monthly = np.clip(rng.normal(68, 28, n), 18.25, 118.75).round(2)
    total = (monthly * np.maximum(tenure, 1) * rng.uniform(0.93, 1.03, n)).round(2)
    payment = rng.choice(
        ["electronic check", "mailed check", "bank transfer", "credit card"],
        size=n, p=[0.35, 0.2, 0.23, 0.22],
    )
    regions = ["north", "south", "east", "west", "central", "coastal", "highlands", "metro"]
    region = rng.choice(regions, size=n, p=[0.14, 0.13, 0.12, 0.12, 0.15, 0.1, 0.06, 0.18])
    calls = np.clip(rng.poisson(0.8 + monthly / 60), 0, 10)
    partner = rng.random(n) < 0.45
    satisfaction = np.clip(np.rint(rng.normal(3.9 - 0.35 * calls, 0.9)), 1, 5).astype(int)
    # Last activity: any time between signup and the snapshot, independent of churn.
    span_min = ((snapshot - signup).total_seconds() / 60).to_numpy()
    last = signup + pd.to_timedelta(rng.random(n) * span_min, unit="min")

    logit = (
        -0.35
        - 0.035 * tenure
        + np.select([contract == "one year", contract == "two year"], [-1.1, -2.2], 0.0)
        + 0.35 * calls
        + 0.022 * (monthly - 68)
        - 0.3 * (satisfaction - 3)
        + 0.5 * (payment == "electronic check")
        - 0.3 * partner
        + rng.normal(0, 0.6, n)  # unobserved heterogeneity: keeps AUC well below 1
    )
    churn = rng.random(n) < 1 / (1 + np.exp(-logit))

    return pd.DataFrame({
        "customer_id": _ids(rng, "C", n),
        "signup_date": signup.strftime("%Y-%m-%d"),
        "last_purchase": last.strftime("%Y-%m-%d %H:%M"),
        "tenure_months": tenure,
        "monthly_charges": _mask(rng, pd.Series(monthly), 0.05),
        "total_charges": total,
        "contract": contract,
        "payment_method": _mask(rng, pd.Series(payment), 0.03),
        "region": region,
        "support_calls": calls,
        "has_partner": np.where(partner, "True", "False"),
        "satisfaction": _mask(rng, pd.Series(satisfaction), 0.07).astype("Int64"),
        "churn": np.where(churn, "yes", "no"),
    })


def make_machine_failure(rng: np.random.Generator, n: int = 1500) -> pd.DataFrame:
    model = rng.choice([f"M{i}" for i in range(1, 6)], size=n, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    model_heat = pd.Series(model).map({"M1": 0.0, "M2": 0.3, "M3": -0.2, "M4": 0.6, "M5": 0.1})
    air = rng.normal(300.0, 2.0, n)
    process = air + 10.0 + model_heat.to_numpy() + rng.normal(0, 1.2, n)
    rpm = np.clip(rng.normal(1540, 180, n), 1150, 2900)
    torque = np.clip(40 - 0.045 * (rpm - 1540) + rng.normal(0, 9, n), 4, 80)
    wear = rng.uniform(0, 250, n)
    power_kw = torque * rpm * 2 * np.pi / 60 / 1000

    # One score per class; the highest (after Gumbel noise) wins -> multinomial logit.
    scores = 2.5 * np.column_stack([
        np.zeros(n),                                          # none
        -0.4 + (9.4 - (process - air)) + 0.003 * (1450 - rpm),  # overheat: poor heat dissipation
        -2.3 + np.abs(power_kw - 6.4),                        # power: far from nominal ~6.4 kW
        -9.0 + 0.045 * wear + 0.03 * (torque - 40),           # wear: worn tool under load
    ])
    noisy = scores + rng.gumbel(size=scores.shape)
    failure = np.array(["none", "overheat", "power", "wear"])[noisy.argmax(axis=1)]

    return pd.DataFrame({
        "machine_id": _ids(rng, "MCH", n, width=5),
        "model": model,
        "air_temp_k": _mask(rng, pd.Series(air.round(1)), 0.02),
        "process_temp_k": _mask(rng, pd.Series(process.round(1)), 0.02),
        "rotational_speed_rpm": _mask(rng, pd.Series(rpm.round(0)), 0.02),
        "torque_nm": _mask(rng, pd.Series(torque.round(1)), 0.02),
        "tool_wear_min": _mask(rng, pd.Series(wear.round(0)), 0.02),
        "installed_on": _dates(rng, "2015-01-01", "2023-12-31", n).strftime("%Y-%m-%d"),
        "operator_shift": rng.choice(["early", "late", "night"], size=n, p=[0.4, 0.35, 0.25]),
        "failure_type": failure,
    })


def make_house_prices(rng: np.random.Generator, n: int = 1800) -> pd.DataFrame:
    hoods = {  # name -> (base price per sqm, typical lot size in sqm)
        "Old Town": (5200, 150), "Riverside": (4800, 300), "Harbour": (4500, 200),
        "Parkview": (4100, 450), "University": (3800, 220), "Hillcrest": (3600, 600),
        "Greenfield": (3100, 700), "Millbrook": (2900, 550), "Station": (2700, 250),
        "Eastgate": (2400, 400), "Ironworks": (2100, 300), "Lakeside": (3300, 800),
    }
    names = list(hoods)
    hood = rng.choice(names, size=n)
    ppsqm = np.array([hoods[h][0] for h in hood], dtype=float)
    lot_typ = np.array([hoods[h][1] for h in hood], dtype=float)
    area = np.clip(rng.lognormal(np.log(105), 0.38, n), 28, 450).round(0).astype(int)
    bedrooms = np.clip(np.rint(area / 32 + rng.normal(0, 0.7, n)), 1, 7).astype(int)
    bathrooms = np.clip(np.rint(bedrooms / 2 + rng.normal(0, 0.5, n)), 1, 4).astype(int)
    year = np.clip(np.rint(2024 - rng.gamma(2.0, 22, n)), 1890, 2024).astype(int)
    condition = rng.choice(["poor", "fair", "good", "excellent"], size=n, p=[0.1, 0.28, 0.45, 0.17])
    cond_mult = pd.Series(condition).map(
        {"poor": 0.72, "fair": 0.88, "good": 1.0, "excellent": 1.15}
    ).to_numpy()
    garage = rng.random(n) < np.clip(0.2 + lot_typ / 1000, 0, 0.9)
    listed = _dates(rng, "2022-01-01", "2024-12-31", n)
    lot = (lot_typ * rng.lognormal(0, 0.35, n) + area * 0.5).round(0)
    # Newer buildings tend to have better energy ratings (A best .. G worst).
    e_idx = np.clip(np.rint(6 - (year - 1890) / 134 * 5 + rng.normal(0, 0.9, n)), 0, 6).astype(int)
    energy = np.array(list("ABCDEFG"))[e_idx]

    age = 2024 - year
    age_mult = np.where(age < 10, 1.12, 1.0) * np.exp(-0.0025 * np.minimum(age, 80))
    market = 1 + 0.03 * ((listed - pd.Timestamp("2022-01-01")).days.to_numpy() / 365)
    price = (
        ppsqm * area**0.93 * cond_mult * age_mult * market
        * np.where(garage, 1.05, 1.0) * (1.04 - 0.012 * e_idx) * (1 + 0.02 * (bathrooms - 1))
        * rng.lognormal(0, 0.15, n)  # multiplicative noise
    ).round(-2)

    return pd.DataFrame({
        "listing_id": _ids(rng, "L", n),
        "area_sqm": area,
        "bedrooms": bedrooms,
        "bathrooms": bathrooms,
        "year_built": year,
        "neighbourhood": hood,
        "condition": condition,
        "garage": np.where(garage, "yes", "no"),
        "listed_date": listed.strftime("%Y-%m-%d"),
        "lot_size_sqm": _mask(rng, pd.Series(lot), 0.1),
        "energy_rating": energy,
        "price": price,
    })


def main() -> None:
    makers = {
        "customer_churn.csv": (make_customer_churn, "churn"),
        "machine_failure_type.csv": (make_machine_failure, "failure_type"),
        "house_prices.csv": (make_house_prices, "price"),
    }
    for i, (fname, (maker, target)) in enumerate(makers.items()):
        df = maker(np.random.default_rng([SEED, i]))  # independent stream per dataset
        path = OUT_DIR / fname
        df.to_csv(path, index=False, encoding="utf-8", sep=",")
        check = pd.read_csv(path)
        print(f"{fname}: shape={check.shape}, missing cells={int(check.isna().sum().sum())}")
        if pd.api.types.is_numeric_dtype(check[target]):
            print(check[target].describe().round(1).to_string(), "\n")
        else:
            print(check[target].value_counts(normalize=True).round(3).to_string(), "\n")


if __name__ == "__main__":
    main()
