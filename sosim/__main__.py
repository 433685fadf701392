"""``python -m sosim ...``: the same as the ``sosim`` command."""

from sosim.cli import main

if __name__ == "__main__":
    main()
