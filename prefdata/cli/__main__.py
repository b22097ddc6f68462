"""`python -m prefdata.cli`: the `prefdata` command."""

from prefdata.cli import main

main()
