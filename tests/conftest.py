from hypothesis import settings

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
    "tests.fixtures.entities",
    "tests.fixtures.webhooks",
]

# No per-example deadline: property tests check outcomes, not time (speed is measured by bench/),
# and a deadline fails them on a loaded machine for no fault of the code.
settings.register_profile("remit", deadline=None)
settings.load_profile("remit")
