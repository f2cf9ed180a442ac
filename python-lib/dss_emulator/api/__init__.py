"""Route modules of the emulated public API; importing this package registers every route."""
from . import instance, projects, gitapi  # noqa: F401
from . import datasets, recipes, flow, jobs  # noqa: F401
from . import scenarios, folders, libraries  # noqa: F401
from . import exports, models  # noqa: F401
from . import extras  # noqa: F401
