"""What each `prefdata-train` command runs, as library functions: fit, evaluate, score, tiny model, demo."""
