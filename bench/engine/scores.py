"""Scores of a clustering against the datasets' labels."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


def cluster_accuracy(truth: np.ndarray, pred: np.ndarray) -> float:
    t_values, t = np.unique(truth, return_inverse=True)
    p_values, p = np.unique(pred, return_inverse=True)
    table = np.zeros((len(p_values), len(t_values)))
    np.add.at(table, (p, t), 1)
    rows, cols = linear_sum_assignment(-table)
    return float(table[rows, cols].sum() / len(truth))


def scores(labels: list[str], pred: np.ndarray) -> dict[str, float]:
    truth = np.asarray(labels)
    assigned = pred >= 0
    t, p = truth[assigned], pred[assigned]
    everything = np.where(assigned, pred, pred.max() + 1)
    return {
        "nmi": float(normalized_mutual_info_score(t, p)),
        "nmi_all": float(normalized_mutual_info_score(truth, everything)),
        "ari": float(adjusted_rand_score(t, p)),
        "acc": cluster_accuracy(t, p),
        "coverage": float(assigned.mean()),
        "found": len(set(p.tolist())),
        "true": len(set(labels)),
    }


def area_scores(labels: list[str], matcher: Any) -> dict[str, Any]:
    """Areas found and their NMI over the posts in one; the share of communities whose posts are
    at least 95% of one label."""
    truth = np.asarray(labels)
    area = np.array([matcher.community_areas_.get(int(c), -1) for c in matcher.labels_])
    inside = area >= 0
    pure = [
        Counter(truth[matcher.labels_ == c].tolist()).most_common(1)[0][1]
        / max(1, int(np.sum(matcher.labels_ == c)))
        >= 0.95
        for c in matcher.community_ids_
    ]
    return {
        "areas": len(matcher.areas_),
        "areas_nmi": float(normalized_mutual_info_score(truth[inside], area[inside]))
        if inside.any()
        else 0.0,
        "pure_share": float(np.mean(pure)) if pure else 0.0,
    }
