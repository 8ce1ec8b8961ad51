"""Cases of every channel (cases.py), the walkthroughs whose findings become cases
(walkthroughs.py), 办不成事 windows (windows.py), 咨询 (consultations.py) and the
亲商管家's 走访 (visits.py)."""

from complaints.models.cases import *  # noqa: F403
from complaints.models.cases import CONFIDENTIAL_MASK, attachment_path  # noqa: F401
from complaints.models.consultations import *  # noqa: F403
from complaints.models.rankings import *  # noqa: F403
from complaints.models.visits import *  # noqa: F403
from complaints.models.walkthroughs import *  # noqa: F403
from complaints.models.windows import *  # noqa: F403
from complaints.models.windows import LEVEL_ABOVE  # noqa: F401
