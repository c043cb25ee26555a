"""Time rules of the major-incident procedure, over plain values.

Nothing here touches the ORM: the models feed these functions datetimes and
numbers from policies, and tests can exercise them without a database."""
from datetime import timedelta


def is_brief_interruption(detected_at, resolved_at, brief_minutes):
    """An outage resolved within ``brief_minutes`` of detection (SOP 1.3: "Events
    Under 15 Minutes") is a brief interruption, not a major incident."""
    if not detected_at or not resolved_at or brief_minutes <= 0:
        return False
    return resolved_at - detected_at <= timedelta(minutes=brief_minutes)
