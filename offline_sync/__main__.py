"""`python -m offline_sync`: the command-line tablet."""

from offline_sync.cli import main

if __name__ == "__main__":
    main()
