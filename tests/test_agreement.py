"""Agreement statistics equal the reference libraries' values on generated data (fast: no models)."""
import itertools
import math

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa
from statsmodels.stats.weightstats import DescrStatsW

from analyzer.agreement import Rating, agreement_stats, fleiss, krippendorff_alpha, pairwise_kappa, severity

LEVELS = [1, 2, 3, 4]
EVALUATORS = ["ev-a", "ev-b", "ev-c", "ev-d"]


def generated(seed: int, missing: float = 0.0, n_obs: int = 12, components=("1a", "3b", "3c")) -> list[Rating]:
    """Ratings around a true level per unit, evaluator-specific bias, optional missing ratings."""
    rng = np.random.default_rng(seed)
    out = []
    for o, c in itertools.product(range(n_obs), components):
        truth = rng.integers(1, 5)
        for k, e in enumerate(EVALUATORS):
            if rng.random() < missing:
                continue
            value = int(np.clip(truth + rng.choice([-1, 0, 0, 1]) + (1 if k == 0 and rng.random() < .4 else 0), 1, 4))
            out.append(Rating(f"obs-{o:02d}", c, e, value))
    return out


def reference_matrix(ratings: list[Rating]) -> np.ndarray:
    """Raters x units, built independently of the module (dict lookups in a fixed order)."""
    units = sorted({(r.observation, r.component) for r in ratings})
    given = {(r.evaluator, r.observation, r.component): r.value for r in ratings}
    return np.array([[given.get((e, o, c), np.nan) for o, c in units] for e in sorted({r.evaluator for r in ratings})])


@pytest.mark.parametrize("seed, missing", [(0, 0.0), (1, 0.2), (2, 0.35)])
def test_alpha_equals_krippendorff(seed, missing):
    ratings = generated(seed, missing)
    expected = krippendorff.alpha(reliability_data=reference_matrix(ratings), level_of_measurement="ordinal",
                                  value_domain=LEVELS)
    assert krippendorff_alpha(ratings, LEVELS).value == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("seed, missing", [(3, 0.0), (4, 0.25)])
def test_pairwise_kappa_equals_sklearn(seed, missing):
    ratings = generated(seed, missing)
    m = reference_matrix(ratings)
    pairs = pairwise_kappa(ratings, LEVELS, min_shared=10)
    assert len(pairs) == 6
    for p, (i, j) in zip(pairs, itertools.combinations(range(4), 2)):
        both = ~np.isnan(m[i]) & ~np.isnan(m[j])
        expected = cohen_kappa_score(m[i, both].astype(int), m[j, both].astype(int), weights="quadratic", labels=LEVELS)
        assert p.evaluators == (EVALUATORS[i], EVALUATORS[j])
        assert p.kappa.value == pytest.approx(expected, abs=1e-4) and p.kappa.units == int(both.sum())


def test_fleiss_equals_statsmodels_and_needs_equal_rater_counts():
    ratings = generated(5)
    m = reference_matrix(ratings)
    table, _ = aggregate_raters(m.T.astype(int))
    assert fleiss(ratings, LEVELS).value == pytest.approx(fleiss_kappa(table, method="fleiss"), abs=1e-4)
    uneven = fleiss(generated(6, missing=0.3), LEVELS)
    assert uneven.value is None and uneven.status == "not_applicable" and "same number of raters" in uneven.reason


def test_severity_equals_statsmodels_interval_against_anchor_and_consensus():
    ratings = generated(7, missing=0.1)
    anchors = {(f"obs-{o:02d}", "3b"): 2 for o in range(6)}
    by_unit = {}
    for r in ratings:
        by_unit.setdefault((r.observation, r.component), {})[r.evaluator] = r.value
    result = {s.evaluator: s for s in severity(ratings, anchors)}
    for e in EVALUATORS:
        devs = []
        for unit, given in by_unit.items():
            if e not in given:
                continue
            ref = anchors[unit] if unit in anchors else np.median([v for k, v in given.items() if k != e])
            devs.append(given[e] - ref)
        low, high = DescrStatsW(np.array(devs, dtype=float)).tconfint_mean(alpha=0.05)
        s = result[e]
        assert s.n == len(devs) and s.mean_deviation == pytest.approx(np.mean(devs), abs=1e-4)
        assert (s.ci_low, s.ci_high) == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))
    assert result["ev-a"].lean == "lenient"  # generated with an upward bias


def test_single_category_and_too_little_data_are_explicit_not_nan():
    same = [Rating(f"o{i}", "3b", e, 3) for i in range(12) for e in EVALUATORS]
    stats = agreement_stats(same, {}, LEVELS, min_shared=10)
    assert stats.alpha.value is None and stats.alpha.status == "undefined" and "every rating is 3" in stats.alpha.reason
    assert stats.fleiss_kappa.status == "undefined"
    assert all(p.kappa.status == "undefined" for p in stats.pairwise_kappa)
    assert all(s.mean_deviation == 0 and s.lean == "no clear lean" for s in stats.severity)
    few = [Rating("o1", "3b", "ev-a", 2), Rating("o1", "3b", "ev-b", 3), Rating("o2", "3b", "ev-c", 1)]
    stats = agreement_stats(few, {}, LEVELS, min_shared=10)
    assert {p.kappa.status for p in stats.pairwise_kappa} == {"not_enough_data"}
    assert [s.lean for s in stats.severity] == ["not enough data"] * 3
    alone = krippendorff_alpha([Rating("o1", "3b", "ev-a", 2)], LEVELS)
    assert alone.status == "not_enough_data" and alone.value is None
    dumped = stats.model_dump_json()
    assert "NaN" not in dumped and "nan" not in dumped.lower().replace("not_enough", "")


def test_ties_in_alpha_and_kappa():
    # many ties: two evaluators agree on all but one unit
    ratings = [Rating(f"o{i}", "3b", "ev-a", 2 + (i % 2)) for i in range(10)]
    ratings += [Rating(f"o{i}", "3b", "ev-b", 2 + (i % 2) if i else 4) for i in range(10)]
    a = krippendorff_alpha(ratings, LEVELS)
    m = reference_matrix(ratings)
    assert a.value == pytest.approx(krippendorff.alpha(reliability_data=m, level_of_measurement="ordinal",
                                                       value_domain=LEVELS), abs=1e-4)
    [pair] = pairwise_kappa(ratings, LEVELS, min_shared=10)
    assert pair.kappa.value == pytest.approx(cohen_kappa_score(m[0].astype(int), m[1].astype(int),
                                                               weights="quadratic", labels=LEVELS), abs=1e-4)
    assert not math.isnan(pair.kappa.value)
