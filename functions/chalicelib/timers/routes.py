"""Routes of the working-day calendar (工作日安排) every deadline counts in: which source
decides a year, and the province loading a year's published holiday arrangement. Thin:
parse, call logic, shape."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from chalice.app import Blueprint
from pydantic import BaseModel, BeforeValidator, Field

from chalicelib.http import api
from chalicelib.schemas import Body
from zhtj.core.errors import ValidationError
from zhtj.deadlines import service as deadlines
from zhtj.signin.tokens import Principal
from zhtj.timers.models import CalendarYear
from zhtj.timers.workdays import Source

bp = Blueprint(__name__)
TAG = "期限"  # documented with the deadlines the calendar decides


class HolidayRange(Body):
    """Days off, both ends included (a single day: first = last)."""

    first: date
    last: date


def _one_day(value: Any) -> Any:
    # A bare date stands for a range of one day.
    return {"first": value, "last": value} if isinstance(value, str) else value


class CalendarIn(Body):
    """A year's published holiday arrangement (放假安排): days off, and weekend days worked (补班)."""

    holidays: list[Annotated[HolidayRange, BeforeValidator(_one_day)]] = Field(max_length=60)
    workdays: list[date] = Field(max_length=30)


class ScheduleOut(BaseModel):
    holidays: list[date]
    workdays: list[date]
    loaded_at: datetime
    loaded_by: str


class CalendarOut(BaseModel):
    year: int
    # Which source decides the year: loaded (by the province), package (chinesecalendar), fallback (Mon-Fri).
    source: Source
    schedule: ScheduleOut | None = None


def _year(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise ValidationError("CALENDAR_YEAR", "年份应为四位数字", "year")
    return int(text)


def _calendar(year: int, source: Source, item: CalendarYear | None) -> CalendarOut:
    if item is None:
        return CalendarOut(year=year, source=source)
    holidays, workdays = deadlines.schedule_dates(item)
    schedule = ScheduleOut(holidays=holidays, workdays=workdays, loaded_at=item.loaded_at, loaded_by=item.loaded_by)
    return CalendarOut(year=year, source=source, schedule=schedule)


@api(bp, "/calendar/{year}", "GET", summary="查看某年的工作日安排来源", response=CalendarOut, tag=TAG)
def read_calendar(year: str, principal: Principal) -> BaseModel:
    # Any signed-in caller: the schedule is the State Council's public notice.
    number = _year(year)
    source, item = deadlines.year_view(number)
    return _calendar(number, source, item)


@api(
    bp,
    "/calendar/{year}",
    "PUT",
    summary="载入某年的放假安排（团省委）",
    body=CalendarIn,
    response=CalendarOut,
    tag=TAG,
)
def load_calendar(year: str, principal: Principal, body: CalendarIn) -> BaseModel:
    item = deadlines.load_year(principal, _year(year), [(h.first, h.last) for h in body.holidays], list(body.workdays))
    return _calendar(int(item.year), "loaded", item)
