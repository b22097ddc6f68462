"""`python -m prefdata` runs the `prefdata` command."""

from prefdata._cli import main

main()
