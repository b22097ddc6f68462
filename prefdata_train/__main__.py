"""`python -m prefdata_train`: the `prefdata-train` command."""

from prefdata_train._cli import main

if __name__ == "__main__":
    main()
