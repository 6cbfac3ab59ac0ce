"""`python -m kubesim`: the same entry point as the `kubesim` console script."""

from kubesim.cli.app import main

main()
