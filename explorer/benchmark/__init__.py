"""``dl-explorer benchmark``: a fair optimizer benchmark a student can run in minutes.

Every hyperparameter an optimizer declares is tuned within a stated budget of trials (Optuna,
seeded TPE), the best setting is rerun on several seeds, and the tasks are summed up as
AlgoPerf-style performance profiles. ``suite`` reads the tasks, ``tasks`` runs one, ``study``
tunes one optimizer on one task, ``engine`` spreads the studies over processes or a Ray cluster,
``report`` and ``plots`` say what came out, ``runner`` ties them together.
"""
