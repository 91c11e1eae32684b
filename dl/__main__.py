"""Entry point of the `dl` command."""
from dl.app import main

if __name__ == "__main__":
    main()
