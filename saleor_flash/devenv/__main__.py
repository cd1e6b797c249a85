import sys

from saleor_flash.devenv import main

sys.exit(main(sys.argv[1:]))
