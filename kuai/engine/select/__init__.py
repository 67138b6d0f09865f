"""Choosing the final model: leaderboard, ensemble selection, bagging, stacking, limits, refit."""
