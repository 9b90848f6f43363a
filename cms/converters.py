"""Path converters for every app's URLs, registered once in cms/urls.py."""


class DatabaseIdConverter:
    """A primary key in a URL (`<id:name>`): digits that fit a 64-bit database id.

    Django's `int` converter takes any number of digits, and SQLite cannot even be
    asked about an id past 64 bits, so a long number became a server error rather
    than a "not found". Eighteen digits always fit.
    """

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)
