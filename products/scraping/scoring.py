"""How extraction accuracy is scored, shared by the corpus test and bench/scrape_accuracy.py.

The public product-extraction benchmark's F1: a wrong prediction is a false positive and, where
the page has a true value, a miss too; no prediction on a page with a value is a miss.
"""

from __future__ import annotations


def f1(pairs: list[tuple[set, object | None]]) -> tuple[float, float, float]:
    """(F1, precision, recall) over (acceptable values, prediction or None) pairs."""
    tp = fp = fn = 0
    for truth, predicted in pairs:
        if predicted is None:
            fn += bool(truth)
        elif predicted in truth:
            tp += 1
        else:
            fp += 1
            fn += bool(truth)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return score, precision, recall
