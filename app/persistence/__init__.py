"""The database: engine and migrations (:mod:`app.persistence.db`), the ORM rows
(:mod:`app.persistence.models`), the repositories that hold every SQL statement
(:mod:`app.persistence.repositories`) and the unit of work (:mod:`app.persistence.uow`)."""
