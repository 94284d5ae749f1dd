#!/usr/bin/env python
"""Django's command-line utility; ``ecabinet`` is the same thing, installed as a script."""

from ecabinet.cli import main

if __name__ == "__main__":
    main()
