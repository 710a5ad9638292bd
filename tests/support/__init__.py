"""What the tests share: factories, fixtures helpers and reference data, in one place."""
