#!/usr/bin/env python
from saleor_flash.__main__ import main

if __name__ == "__main__":
    main()
