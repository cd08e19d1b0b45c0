"""Page-size maxima from the specs, in a module with no imports so that command modules can
read them at import time (the API modules import httpx)."""

CATALOG_PAGE_SIZE = 100  # data stores, data assets, data sets and profiles
