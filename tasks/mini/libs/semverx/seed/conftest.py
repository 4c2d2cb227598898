# Having a conftest.py at the repository root makes pytest put the root on
# sys.path, so the tests import the package without installing it.
