pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
    "tests.fixtures.entities",
    "tests.fixtures.webhooks",
]
