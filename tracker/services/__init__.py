"""Business rules as verb_noun functions. They flush, never commit: the caller owns the transaction."""


class ServiceError(Exception):
    """A rule the request breaks; `message` is Chinese and `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
