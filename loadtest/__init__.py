"""Load generator for the RealWorld API (locust); see loadtest/locustfile.py.

Self-contained: the `realworld-loadtest` image installs only requirements/loadtest.txt (locust),
so nothing here imports Django or the application.
"""
