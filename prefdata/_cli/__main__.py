"""`python -m prefdata._cli`: the `prefdata` command."""

from prefdata._cli import main

main()
