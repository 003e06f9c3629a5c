"""Rater agreement across observations: Krippendorff's alpha (ordinal), pairwise quadratic-weighted
Cohen's kappa, Fleiss' kappa, and per-evaluator severity/leniency.

The statistics come from the well-kept libraries (krippendorff, scikit-learn, statsmodels); this
module only shapes the data and says, in a `Statistic`, when there is not enough data for a value.
No NaN ever leaves this module: an undefined value is `None` with a status and a reason.
"""
from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

Unit = tuple[str, str]  # (observation id, component id)


@dataclass(frozen=True)
class Rating:
    observation: str
    component: str
    evaluator: str
    value: int


class Statistic(BaseModel):
    value: float | None = Field(description="None when the statistic cannot be computed; see status and reason")
    status: Literal["ok", "not_enough_data", "undefined", "not_applicable"]
    units: int = Field(description="units (observation x component) the value is computed over")
    reason: str | None = None
    reading: str | None = Field(None, description="what the value means, in plain language")


class PairKappa(BaseModel):
    evaluators: tuple[str, str]
    kappa: Statistic


class Severity(BaseModel):
    evaluator: str
    mean_deviation: float | None = Field(description="mean of rating - reference; > 0 rates higher (lenient)")
    ci_low: float | None
    ci_high: float | None
    n: int = Field(description="ratings compared")
    against_anchor: int = Field(description="how many of them were compared with anchor ratings")
    lean: Literal["lenient", "severe", "no clear lean", "not enough data"]


class AgreementStats(BaseModel):
    levels: list[int]
    alpha: Statistic
    alpha_by_component: dict[str, Statistic]
    pairwise_kappa: list[PairKappa]
    fleiss_kappa: Statistic
    severity: list[Severity]
    min_shared_units: int


def alpha_reading(value: float) -> str:
    if value >= 0.8:
        return "reliable: evaluators agree well beyond chance"
    if value >= 0.667:
        return "tentative: agreement is moderate; conclusions from these ratings need care"
    if value > 0:
        return "unreliable: evaluators agree little beyond chance; calibration is needed"
    return "no agreement beyond chance (or systematic disagreement); calibration is needed"


def kappa_reading(value: float) -> str:
    """Landis and Koch's conventional bands."""
    if value < 0:
        return "poor: less agreement than chance"
    for bound, word in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if value <= bound:
            return f"{word} agreement"
    return "almost perfect agreement"


def _matrix(ratings: Sequence[Rating]) -> tuple[list[str], list[Unit], np.ndarray]:
    """Raters x units matrix with NaN where a rater did not rate a unit."""
    raters = sorted({r.evaluator for r in ratings})
    units = sorted({(r.observation, r.component) for r in ratings})
    r_index = {e: i for i, e in enumerate(raters)}
    u_index = {u: j for j, u in enumerate(units)}
    m = np.full((len(raters), len(units)), np.nan)
    for r in ratings:
        m[r_index[r.evaluator], u_index[(r.observation, r.component)]] = r.value
    return raters, units, m


def krippendorff_alpha(ratings: Sequence[Rating], levels: Sequence[int]) -> Statistic:
    """Ordinal Krippendorff's alpha over units rated by at least two evaluators."""
    import krippendorff

    _, units, m = _matrix(ratings)
    pairable = int(np.sum(np.sum(~np.isnan(m), axis=0) >= 2)) if m.size else 0
    if pairable == 0:
        return Statistic(value=None, status="not_enough_data", units=0,
                         reason="no unit (observation x component) has ratings from two or more evaluators")
    values = m[~np.isnan(m)]
    if len(np.unique(values)) == 1:
        return Statistic(value=None, status="undefined", units=pairable,
                         reason=f"every rating is {int(values[0])}: with no variation alpha is 0/0")
    value = float(krippendorff.alpha(reliability_data=m, value_domain=list(levels), level_of_measurement="ordinal"))
    if math.isnan(value):  # pragma: no cover - guarded above; kept so no NaN can escape
        return Statistic(value=None, status="undefined", units=pairable, reason="alpha is undefined for these data")
    return Statistic(value=round(value, 4), status="ok", units=pairable, reading=alpha_reading(value))


def pairwise_kappa(ratings: Sequence[Rating], levels: Sequence[int], min_shared: int) -> list[PairKappa]:
    """Quadratic-weighted Cohen's kappa for every evaluator pair, on the units both rated."""
    from sklearn.metrics import cohen_kappa_score

    raters, _, m = _matrix(ratings)
    out = []
    for i, j in itertools.combinations(range(len(raters)), 2):
        both = ~np.isnan(m[i]) & ~np.isnan(m[j])
        n = int(both.sum())
        a, b = m[i, both].astype(int), m[j, both].astype(int)
        if n < min_shared:
            stat = Statistic(value=None, status="not_enough_data", units=n,
                             reason=f"{n} shared ratings; at least {min_shared} are needed")
        elif len(set(a.tolist()) | set(b.tolist())) == 1:
            stat = Statistic(value=None, status="undefined", units=n,
                             reason=f"both evaluators gave {a[0]} to every shared unit: kappa is 0/0")
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                value = float(cohen_kappa_score(a, b, labels=list(levels), weights="quadratic"))
            stat = (Statistic(value=round(value, 4), status="ok", units=n, reading=kappa_reading(value))
                    if not math.isnan(value) else
                    Statistic(value=None, status="undefined", units=n, reason="kappa is undefined for these ratings"))
        out.append(PairKappa(evaluators=(raters[i], raters[j]), kappa=stat))
    return out


def fleiss(ratings: Sequence[Rating], levels: Sequence[int]) -> Statistic:
    """Fleiss' kappa (nominal), only when every unit has the same number of raters."""
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    _, units, m = _matrix(ratings)
    if not units:
        return Statistic(value=None, status="not_enough_data", units=0, reason="no ratings")
    counts = np.sum(~np.isnan(m), axis=0)
    if len(set(counts.tolist())) != 1:
        return Statistic(value=None, status="not_applicable", units=len(units),
                         reason=f"units have between {counts.min()} and {counts.max()} raters; Fleiss' kappa needs "
                                "the same number of raters on every unit (see Krippendorff's alpha instead)")
    if counts[0] < 2:
        return Statistic(value=None, status="not_enough_data", units=len(units), reason="one rater per unit")
    per_unit = np.array([m[~np.isnan(m[:, j]), j] for j in range(len(units))], dtype=int)  # units x raters
    table, _ = aggregate_raters(per_unit, n_cat=None)
    values = np.unique(per_unit)
    if len(values) == 1:
        return Statistic(value=None, status="undefined", units=len(units),
                         reason=f"every rating is {values[0]}: with one category kappa is 0/0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = float(fleiss_kappa(table, method="fleiss"))
    if math.isnan(value):
        return Statistic(value=None, status="undefined", units=len(units), reason="kappa is undefined for these data")
    return Statistic(value=round(value, 4), status="ok", units=len(units), reading=kappa_reading(value))


def severity(ratings: Sequence[Rating], anchors: dict[Unit, int]) -> list[Severity]:
    """Mean signed deviation of each evaluator from the anchor rating (where given) or else from the
    median of the other evaluators on the same unit, with a 95% t-interval (statsmodels)."""
    from statsmodels.stats.weightstats import DescrStatsW

    by_unit: dict[Unit, dict[str, int]] = {}
    for r in ratings:
        by_unit.setdefault((r.observation, r.component), {})[r.evaluator] = r.value
    deviations: dict[str, list[float]] = {}
    anchored: dict[str, int] = {}
    for unit, given in by_unit.items():
        for evaluator, value in given.items():
            if unit in anchors:
                reference = float(anchors[unit])
                anchored[evaluator] = anchored.get(evaluator, 0) + 1
            else:
                others = [v for e, v in given.items() if e != evaluator]
                if not others:
                    continue
                reference = float(np.median(others))
            deviations.setdefault(evaluator, []).append(value - reference)
    out = []
    for evaluator in sorted({r.evaluator for r in ratings}):
        devs = np.array(deviations.get(evaluator, []))
        n = len(devs)
        if n < 2:
            out.append(Severity(evaluator=evaluator, mean_deviation=round(float(devs.mean()), 4) if n else None,
                                ci_low=None, ci_high=None, n=n, against_anchor=anchored.get(evaluator, 0),
                                lean="not enough data"))
            continue
        mean = float(devs.mean())
        if np.ptp(devs) == 0:
            low = high = mean
        else:
            low, high = (float(x) for x in DescrStatsW(devs).tconfint_mean(alpha=0.05))
        lean = "lenient" if low > 0 else "severe" if high < 0 else "no clear lean"
        out.append(Severity(evaluator=evaluator, mean_deviation=round(mean, 4), ci_low=round(low, 4),
                            ci_high=round(high, 4), n=n, against_anchor=anchored.get(evaluator, 0), lean=lean))
    return out


def agreement_stats(ratings: Sequence[Rating], anchors: dict[Unit, int], levels: Sequence[int],
                    min_shared: int) -> AgreementStats:
    components = sorted({r.component for r in ratings})
    return AgreementStats(
        levels=list(levels),
        alpha=krippendorff_alpha(ratings, levels),
        alpha_by_component={c: krippendorff_alpha([r for r in ratings if r.component == c], levels)
                            for c in components},
        pairwise_kappa=pairwise_kappa(ratings, levels, min_shared),
        fleiss_kappa=fleiss(ratings, levels),
        severity=severity(ratings, anchors),
        min_shared_units=min_shared,
    )
