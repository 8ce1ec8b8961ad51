"""Cases of every channel (cases.py) and the walkthroughs whose findings become
cases (walkthroughs.py)."""

from complaints.models.cases import *  # noqa: F403
from complaints.models.cases import CONFIDENTIAL_MASK, attachment_path  # noqa: F401
from complaints.models.walkthroughs import *  # noqa: F403
