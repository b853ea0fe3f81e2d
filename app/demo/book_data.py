"""Book-of-business data: reference data (counties, networks, plans, rates, providers) and a deterministic
generator of accounts, families, policies and PCP assignments (R-MEM-1, R-PCP-*, R-QUO-2).

Pure code: standard library only, no clock and no global random state. Callers pass a `random.Random`
and "today"/"now", so the same seed and the same day give the same book, and relative facts ("turning 65
within the next year") hold whenever the data is loaded. Shared by the demo book (`demo/book.py`)
and the synthetic benchmark book (`demo/synthetic.py`).
"""

from __future__ import annotations

import functools
import itertools
import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from app.domain.dates import OPEN_END_DATE, age_on

STATUSES = ("Active", "Grace Period", "Termed")
# Rules of a consistent book (demo/book.py's docstring lists them):
GRANDFATHER_CUTOFF = date(2010, 3, 23)  # grandfathered coverage was in force before the ACA's enactment
OFF_EXCHANGE_GRACE_DAYS = 30  # a policy in grace is at most this many days past its paid-to date
ON_EXCHANGE_GRACE_DAYS = 90  # on exchange with an advance premium tax credit
SHORT_TERM_MAX_MONTHS = 11  # a temporary (short-term) plan's term: under a year
NETWORK_TYPES = ("HMO", "POS", "PPO", "EPO")
PCP_NETWORK_TYPES = frozenset({"HMO", "POS"})  # R-PCP-1: plans that require a PCP
METAL_LEVELS = ("bronze", "silver", "gold", "platinum")
NOON_UTC = time(12, tzinfo=UTC)
MAX_FAMILY = 6

# --- Name frequency lists (most frequent first; sampled with a Zipf-like skew) ------------------------------

FEMALE_FIRST_NAMES = tuple(
    """
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra Margaret Ashley
Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Dorothy Rebecca Sharon Laura Cynthia Amy
Kathleen Angela Shirley Brenda Emma Anna Pamela Nicole Samantha Katherine Christine Helen Debra Rachel Carolyn
Janet Maria Catherine Heather Diane Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn
Judith Andrea Hannah Megan Cheryl Jacqueline Martha Madison Teresa Gloria Sara Janice Ann Kathryn Abigail Sophia
Frances Jean Alice Judy Isabella Julia Grace Amber Denise Danielle Marilyn Beverly Charlotte Natalie Theresa
Diana Brittany Doris Kayla Alexis Lori Marie Tiffany Ava Mia Harper Camila Gianna Aria Ella Luna Layla Chloe
Penelope Riley Zoey Nora Lily Eleanor Hazel Violet Aurora Savannah Audrey Brooklyn Bella Claire Skylar Lucy
Paisley Everly Caroline Nova Genesis Emilia Kennedy Maya Willow Kinsley Naomi Elena Sadie Gabriella Ariana
Allison Gabrielle Alyssa Valentina Rosa Guadalupe Veronica Yolanda Carmen Leticia Araceli Mariana Ximena
Priya Aisha Fatima Mei Ling Yesenia Daisy Ruby Alma Irene Norma Lucia Monica Erica Tamara Latoya Keisha Tanya
""".split()
)

MALE_FIRST_NAMES = tuple(
    """
James Robert John Michael David William Richard Joseph Thomas Christopher Charles Daniel Matthew Anthony Mark
Donald Steven Andrew Paul Joshua Kenneth Kevin Brian George Timothy Ronald Jason Edward Jeffrey Ryan Jacob Gary
Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander Patrick Frank
Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Zachary Douglas Peter Kyle Noah Ethan Jeremy
Walter Christian Keith Roger Terry Austin Sean Gerald Carl Harold Dylan Arthur Lawrence Jordan Jesse Bryan
Billy Bruce Gabriel Joe Logan Alan Juan Albert Willie Elijah Wayne Randy Vincent Mason Roy Ralph Bobby Russell
Bradley Philip Eugene Liam Oliver Lucas Levi Sebastian Mateo Jackson Aiden Luke Grayson Carter Owen Wyatt
Julian Isaac Lincoln Hudson Caleb Hunter Miles Eli Colton Jaxon Asher Cameron Connor Evan Angel Dominic Ian
Carlos Luis Miguel Jorge Pedro Alejandro Ricardo Fernando Javier Manuel Rafael Eduardo Marco Diego Andres
Hector Raul Ramon Mohammed Ahmed Omar Ali Wei Jun Hiroshi Raj Arjun Vikram Darnell Tyrone Marcus Terrance
Andre Malik Curtis Calvin Leon Travis Dale Clifford Glenn Shane Troy Derek Craig Todd Marvin Mitchell Wesley
""".split()
)

LAST_NAMES = tuple(
    """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis
Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera
Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart
Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim
Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo
Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler
Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds
Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford
Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman
Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon
Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice
Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer
Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong
Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards
Contreras Willis Carpenter Lawrence Sandoval Guerrero George Chapman Rios Estrada Ortega Watkins Greene Nunez
Wheeler Valdez Harper Burke Larson Santiago Maldonado Morrison Franklin Carlson Austin Dominguez Carr Lawson
Jacobs Obrien Lynch Singh Vega Bishop Montgomery Oliver Jensen Harvey Williamson Gilbert Dean Sims Espinoza
Howell Li Wong Reid Hanson Le McCoy Garrett Burton Fuller Wang Weber Welch Rojas Lucas Marquez Fields Park
Yang Little Banks Padilla Day Walsh Bowman Schultz Luna Fowler Mejia Davidson Acosta Brewer May Holland Juarez
Newman Pearson Curtis Cortez Douglas Schneider Joseph Barrett Navarro Figueroa Keller Avila Wade Molina
Stanley Hopkins Campos Barnett Bates Chambers Caldwell Beck Lambert Miranda Byrd Craig Ayala Lowe Frazier
Kowalski Nowak Wisniewski Novak Olsen Lindqvist Okafor Mensah Haddad Khan Shah Tanaka Sato Yamamoto
""".split()
)

STREET_NAMES = tuple(
    """
Main Oak Maple Cedar Elm Pine Washington Lake Hill Park Walnut Lincoln Jackson Madison Jefferson Sunset Ridge
Meadow Forest River Church Spring Highland Willow Prairie Grand Center Adams Franklin Chestnut Cherry Hickory
Birch Dogwood Magnolia Pecan Mesquite Bluebonnet Lamar Congress Commerce Elm Ross Michigan Wabash Clark
Halsted Ashland Western Cicero Harlem Devon Belmont Fullerton Division Ogden Roosevelt
""".split()
)
STREET_SUFFIXES = ("St", "Ave", "Rd", "Dr", "Ln", "Blvd", "Ct", "Way", "Pl", "Pkwy")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example", "inbox.example")


def _cumulative_zipf(n: int, s: float = 0.85, offset: float = 2.0) -> list[float]:
    """Cumulative weights for rank 1..n falling like 1/(rank+offset)^s (a few names are very common)."""
    return list(itertools.accumulate(1.0 / (rank + offset) ** s for rank in range(1, n + 1)))


_FEMALE_CW = _cumulative_zipf(len(FEMALE_FIRST_NAMES))
_MALE_CW = _cumulative_zipf(len(MALE_FIRST_NAMES))
_LAST_CW = _cumulative_zipf(len(LAST_NAMES), s=0.75, offset=4.0)


def pick_first_name(rng: random.Random, sex: str) -> str:
    if sex == "female":
        return rng.choices(FEMALE_FIRST_NAMES, cum_weights=_FEMALE_CW)[0]
    return rng.choices(MALE_FIRST_NAMES, cum_weights=_MALE_CW)[0]


def pick_last_name(rng: random.Random) -> str:
    return rng.choices(LAST_NAMES, cum_weights=_LAST_CW)[0]


# --- Dates --------------------------------------------------------------------------------------------------


def years_before(d: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February becomes 28 February in a common year)."""
    try:
        return d.replace(year=d.year - years)
    except ValueError:
        return d.replace(year=d.year - years, day=28)


def birthday_of_age(date_of_birth: date, age: int) -> date:
    """The day a person born on `date_of_birth` turns `age`."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:  # born on 29 February: the birthday is 1 March in a common year
        return date(date_of_birth.year + age, 3, 1)


def born_to_turn(age: int, on: date) -> date:
    """A date of birth for someone who turns `age` exactly on `on`."""
    return years_before(on, age)


def first_of_month(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, months: int) -> date:
    """First-of-month arithmetic: `d` must be a first of month (or the result keeps day 1)."""
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def end_of_month(d: date) -> date:
    return add_months(first_of_month(d), 1) - timedelta(days=1)


# --- Reference data: geography, networks, plans, rates, providers -------------------------------------------


@dataclass(frozen=True, slots=True)
class CountyRef:
    zip_code: str
    fips: str
    name: str
    state: str
    rating_area: int
    city: str
    area_codes: tuple[str, ...]


_COOK = ("17031", "Cook", "IL", 1)
_LAKE = ("17097", "Lake", "IL", 2)
_DUPAGE = ("17043", "DuPage", "IL", 3)
_SANGAMON = ("17167", "Sangamon", "IL", 4)
_DALLAS = ("48113", "Dallas", "TX", 1)
_HARRIS = ("48201", "Harris", "TX", 2)
_TRAVIS = ("48453", "Travis", "TX", 3)

COUNTIES: tuple[CountyRef, ...] = tuple(
    CountyRef(zip_code, fips, name, state, area, city, codes)
    for zip_code, (fips, name, state, area), city, codes in (
        ("60601", _COOK, "Chicago", ("312", "872")),
        ("60605", _COOK, "Chicago", ("312", "872")),
        ("60614", _COOK, "Chicago", ("773", "872")),
        ("60618", _COOK, "Chicago", ("773", "872")),
        ("60625", _COOK, "Chicago", ("773", "872")),
        ("60201", _COOK, "Evanston", ("847", "224")),
        ("60453", _COOK, "Oak Lawn", ("708",)),
        ("60010", _COOK, "Barrington", ("847", "224")),  # zip 60010 spans Cook and Lake counties
        ("60010", _LAKE, "Barrington", ("847", "224")),
        ("60085", _LAKE, "Waukegan", ("847", "224")),
        ("60563", _DUPAGE, "Naperville", ("630", "331")),
        ("60126", _DUPAGE, "Elmhurst", ("630", "331")),
        ("62701", _SANGAMON, "Springfield", ("217",)),
        ("62704", _SANGAMON, "Springfield", ("217",)),
        ("75201", _DALLAS, "Dallas", ("214", "469")),
        ("75204", _DALLAS, "Dallas", ("214", "469")),
        ("75214", _DALLAS, "Dallas", ("214", "972")),
        ("75040", _DALLAS, "Garland", ("972", "469")),
        ("77002", _HARRIS, "Houston", ("713", "832")),
        ("77006", _HARRIS, "Houston", ("713", "832")),
        ("77024", _HARRIS, "Houston", ("713", "281")),
        ("77449", _HARRIS, "Katy", ("281", "832")),
        ("78701", _TRAVIS, "Austin", ("512", "737")),
        ("78704", _TRAVIS, "Austin", ("512", "737")),
        ("78660", _TRAVIS, "Pflugerville", ("512", "737")),
    )
)
STATES = ("IL", "TX")


def rating_areas(state: str) -> list[int]:
    return sorted({c.rating_area for c in COUNTIES if c.state == state})


@dataclass(frozen=True, slots=True)
class NetworkRef:
    code: str
    name: str
    state: str


NETWORKS: tuple[NetworkRef, ...] = (
    NetworkRef("IL-BAV", "Blue Advantage", "IL"),
    NetworkRef("IL-BPR", "Blue Precision", "IL"),
    NetworkRef("IL-BCA", "Blue Choice", "IL"),
    NetworkRef("IL-PPO", "Participating Provider Option", "IL"),
    NetworkRef("IL-DEN", "BlueCare Dental", "IL"),
    NetworkRef("TX-BAV", "Blue Advantage", "TX"),
    NetworkRef("TX-BES", "Blue Essentials", "TX"),
    NetworkRef("TX-BCA", "Blue Choice", "TX"),
    NetworkRef("TX-PPO", "Participating Provider Option", "TX"),
    NetworkRef("TX-DEN", "BlueCare Dental", "TX"),
)


@dataclass(frozen=True, slots=True)
class PlanRef:
    plan_id: str
    name: str
    coverage: str  # medical | dental
    metal_level: str | None
    network_type: str
    requires_pcp: bool
    exchange: str  # on | off
    state: str
    network_code: str
    plan_year: int
    group_number: str
    tobacco_factor: Decimal
    customer_service_phone: str  # member services, printed on the ID card
    base_rate: Decimal  # monthly, age 21, no tobacco, rating area 1
    # Pharmacy claims routing printed on medical ID cards (issue 15); dental plans have none
    rx_bin: str | None = None
    rx_pcn: str | None = None
    rx_group: str | None = None


# (product line, network type, network suffix, plan number per metal level, tobacco factor)
_MEDICAL_LINES: dict[str, tuple[tuple[str, str, str, tuple[int, int, int, int], str], ...]] = {
    "IL": (
        ("Blue Precision", "HMO", "BPR", (205, 206, 208, 210), "1.25"),
        ("Blue Advantage", "HMO", "BAV", (101, 102, 103, 104), "1.30"),
        ("Blue Choice Options", "POS", "BCA", (301, 302, 303, 304), "1.35"),
        ("Blue Choice Preferred", "PPO", "PPO", (502, 503, 504, 505), "1.50"),
        ("Blue Choice Select", "EPO", "BCA", (401, 402, 403, 404), "1.40"),
    ),
    "TX": (
        ("Blue Advantage", "HMO", "BAV", (201, 204, 207, 209), "1.20"),
        ("Blue Essentials Access", "POS", "BES", (311, 312, 313, 314), "1.30"),
        ("Blue Choice Preferred", "PPO", "PPO", (512, 513, 514, 515), "1.45"),
        ("Blue Choice Select", "EPO", "BCA", (411, 412, 413, 414), "1.35"),
    ),
}
_DENTAL_LINES = (
    ("BlueCare Dental 1B", "1B", "28.00"),
    ("BlueCare Dental Family 2A", "2A", "34.50"),
    ("BlueCare Dental Preferred 3C", "3C", "41.00"),
)
_METAL_BASE = {"bronze": Decimal("290"), "silver": Decimal("365"), "gold": Decimal("440"), "platinum": Decimal("500")}
_TYPE_FACTOR = {"HMO": Decimal("0.90"), "POS": Decimal("0.97"), "EPO": Decimal("1.00"), "PPO": Decimal("1.10")}
_STATE_FACTOR = {"IL": Decimal("1.00"), "TX": Decimal("0.96")}
# Member services per product line (issue 15: one number per plan line, in the shape of a carrier's toll-free
# numbers, instead of the 555-01xx fiction a producer spots at once). Demo data: not verified carrier numbers.
MEMBER_SERVICES = {
    ("IL", "Blue Precision"): "8008928803",
    ("IL", "Blue Advantage"): "8008928812",
    ("IL", "Blue Choice Options"): "8008928827",
    ("IL", "Blue Choice Preferred"): "8008928835",
    ("IL", "Blue Choice Select"): "8008928841",
    ("IL", "dental"): "8008928856",
    ("TX", "Blue Advantage"): "8885211704",
    ("TX", "Blue Essentials Access"): "8885211716",
    ("TX", "Blue Choice Preferred"): "8885211723",
    ("TX", "Blue Choice Select"): "8885211739",
    ("TX", "dental"): "8885211748",
}
# Pharmacy benefit routing (issue 15): the pharmacy benefit manager's BIN, the processor control number per state
# and an Rx group per plan line and metal level.
RX_BIN = "011552"
RX_PCN = {"IL": "ILIFP", "TX": "TXIFP"}
_CENT = Decimal("0.01")


@functools.cache
def plan_catalogue(year: int) -> tuple[PlanRef, ...]:
    """Every plan of a plan year: each network type on and off exchange at every metal level, plus dental.

    Rates rise 6% a year, so next year's plans (for quotes of next January) cost a little more.
    """
    trend = Decimal("1.06") ** (year - 2026) if year >= 2026 else Decimal(1)
    plans: list[PlanRef] = []
    for state in STATES:
        prefix = state[0]
        for line, network_type, network, numbers, tobacco in _MEDICAL_LINES[state]:
            for metal, number in zip(METAL_LEVELS, numbers, strict=True):
                rate = _METAL_BASE[metal] * _TYPE_FACTOR[network_type] * _STATE_FACTOR[state] * trend
                for exchange in ("off", "on"):
                    plans.append(
                        PlanRef(
                            plan_id=f"{state}-{year}-{network_type}-{number}-{exchange.upper()}",
                            name=f"{line} {metal.title()} {network_type} {number}",
                            coverage="medical",
                            metal_level=metal,
                            network_type=network_type,
                            requires_pcp=network_type in PCP_NETWORK_TYPES,
                            exchange=exchange,
                            state=state,
                            network_code=f"{state}-{network}",
                            plan_year=year,
                            group_number=f"{prefix}B{1900 + number}",
                            tobacco_factor=Decimal(tobacco),
                            customer_service_phone=MEMBER_SERVICES[state, line],
                            base_rate=rate.quantize(_CENT),
                            rx_bin=RX_BIN,
                            rx_pcn=RX_PCN[state],
                            rx_group=f"{state}{network}{number}",
                        )
                    )
        for name, code, base in _DENTAL_LINES:
            for exchange in ("off", "on"):
                plans.append(
                    PlanRef(
                        plan_id=f"{state}-{year}-DEN-{code}-{exchange.upper()}",
                        name=name,
                        coverage="dental",
                        metal_level=None,
                        network_type="PPO",
                        requires_pcp=False,
                        exchange=exchange,
                        state=state,
                        network_code=f"{state}-DEN",
                        plan_year=year,
                        group_number=f"{prefix}D{code}{year % 100:02d}",
                        tobacco_factor=Decimal("1.00"),
                        customer_service_phone=MEMBER_SERVICES[state, "dental"],
                        base_rate=(Decimal(base) * _STATE_FACTOR[state] * trend).quantize(_CENT),
                    )
                )
    return tuple(plans)


@functools.cache
def short_term_plans(year: int) -> tuple[PlanRef, ...]:
    """The temporary plans: short-term medical, off exchange only, no metal level (not ACA plans), PPO network.

    Not sold through quotes (no rates are loaded for them): they exist for the demo book's temporary policies.
    """
    plans = []
    for state in STATES:
        plans.append(
            PlanRef(
                plan_id=f"{state}-{year}-STM-180-OFF",
                name="Blue Short Term Medical 180",
                coverage="medical",
                metal_level=None,
                network_type="PPO",
                requires_pcp=False,
                exchange="off",
                state=state,
                network_code=f"{state}-PPO",
                plan_year=year,
                group_number=f"{state[0]}T{1800 + year % 100}",
                tobacco_factor=Decimal("1.00"),
                customer_service_phone=MEMBER_SERVICES[state, "Blue Choice Preferred"],
                base_rate=Decimal("0.00"),
                rx_bin=RX_BIN,
                rx_pcn=RX_PCN[state],
                rx_group=f"{state}STM180",
            )
        )
    return tuple(plans)


def plan_rates(plans: Sequence[PlanRef]) -> list[tuple[str, str, int, Decimal]]:
    """(plan_id, state, rating_area, base_rate): every plan in every rating area of its state's counties."""
    rows = []
    for plan in plans:
        if plan.coverage == "medical" and plan.metal_level is None:  # short-term plans are not quoted
            continue
        for area in rating_areas(plan.state):
            factor = Decimal(1) + Decimal("0.04") * (area - 1)
            rows.append((plan.plan_id, plan.state, area, (plan.base_rate * factor).quantize(_CENT)))
    return rows


@dataclass(frozen=True, slots=True)
class MedicalGroupRef:
    medical_group_number: str
    medical_group_name: str
    pcp_number: str
    pcpa_number: str
    npi: str
    physician_name: str
    accepting_new_patients: bool
    address1: str
    city: str
    state: str
    zip_code: str
    phone: str
    networks: tuple[str, ...]


# (name, zip code) of the medical groups, numbered from 110 (IL) and 130 (TX) in this order.
_GROUPS = {
    "IL": (
        ("Lakeshore Family Medicine", "60601"),
        ("Gold Coast Family Practice", "60605"),
        ("Northwestern Community Physicians", "60614"),
        ("Prairie Internal Medicine", "62704"),
        ("Midwest Pediatric Partners", "60618"),
        ("Windy City Internal Medicine", "60625"),
        ("Lincoln Park Medical Group", "60614"),
        ("Heartland Health Partners", "60453"),
        ("Elmhurst Primary Care", "60126"),
        ("Fox Valley Family Physicians", "60563"),
        ("North Shore Medical Associates", "60201"),
        ("Capitol City Clinic", "62701"),
        ("Sangamon Valley Physicians", "62704"),
        ("South Side Community Health", "60453"),
        ("Loop Primary Care Associates", "60601"),
        ("DuPage Medical Associates", "60563"),
        ("Evanston Family Doctors", "60201"),
        ("Michigan Avenue Physicians", "60601"),
        ("Lake County Primary Care", "60085"),
    ),
    "TX": (
        ("Lone Star Family Medicine", "75204"),
        ("Dallas Primary Care Associates", "75201"),
        ("Trinity Internal Medicine", "75214"),
        ("Bayou City Physicians", "77002"),
        ("Houston Heights Medical Group", "77006"),
        ("Hill Country Family Practice", "78704"),
        ("Austin Community Physicians", "78701"),
        ("Galleria Primary Care", "77024"),
        ("Uptown Pediatrics of Dallas", "75204"),
        ("Bluebonnet Health Partners", "75040"),
        ("Katy Family Doctors", "77449"),
        ("Capitol Area Medical Associates", "78660"),
    ),
}
# Network memberships by position in the list above (HMO networks first; a few groups only take PPO).
_IL_NETWORK_SETS = (
    ("IL-BAV", "IL-BPR", "IL-BCA", "IL-PPO"),
    ("IL-BAV", "IL-BCA", "IL-PPO"),
    ("IL-BPR", "IL-PPO"),
    ("IL-BCA", "IL-PPO"),
    ("IL-BAV", "IL-BPR"),
    ("IL-PPO",),
)
_TX_NETWORK_SETS = (
    ("TX-BAV", "TX-BES", "TX-BCA", "TX-PPO"),
    ("TX-BAV", "TX-PPO"),
    ("TX-BES", "TX-BCA", "TX-PPO"),
    ("TX-BAV", "TX-BES"),
    ("TX-PPO",),
)
# The api.md examples use provider number "124": an IL group in both IL HMO networks, accepting patients.
# The demo book's PCP examples (124, 126 and 127, in Cook County) and the groups that give DuPage (125) and Lake
# (128) counties a local group in every IL network: in every network of the state and accepting new patients, so
# every member can be assigned a group in their own county (demo/book.py's rules).
_ANCHOR_GROUPS = frozenset({124, 125, 126, 127, 128})
ASKED_OUT_GROUP = "126"  # the demo book's "Asked Out" history ends an assignment to this group (R-PCP-4)


@functools.cache
def medical_groups() -> tuple[MedicalGroupRef, ...]:
    """The provider directory: 31 medical groups, numbers 110-128 in IL and 130-141 in TX."""
    rng = random.Random(124)  # fixed seed: the directory is the same everywhere
    groups = []
    sets = {"IL": _IL_NETWORK_SETS, "TX": _TX_NETWORK_SETS}
    for state, first in (("IL", 110), ("TX", 130)):
        for i, (name, zip_code) in enumerate(_GROUPS[state]):
            number = first + i
            networks = sets[state][i % len(sets[state])]
            if number in _ANCHOR_GROUPS:  # every network of the state, accepting
                networks = ("IL-BAV", "IL-BPR", "IL-BCA", "IL-PPO")
            # Every fifth group is closed to new patients (never an anchor group).
            accepting = i % 5 != 3 or number in _ANCHOR_GROUPS
            county = next(c for c in COUNTIES if c.zip_code == zip_code)
            sex = rng.choice(("female", "male"))
            physician = f"{pick_first_name(rng, sex)} {pick_last_name(rng)}, MD"
            groups.append(
                MedicalGroupRef(
                    medical_group_number=str(number),
                    medical_group_name=name,
                    pcp_number=str(400100 + number * 7),
                    pcpa_number=str(700200 + number * 3),
                    npi=f"1{rng.randrange(10**8, 10**9):09d}",
                    physician_name=physician,
                    accepting_new_patients=accepting,
                    address1=f"{rng.randint(100, 9800)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_SUFFIXES)}",
                    city=county.city,
                    state=state,
                    zip_code=zip_code,
                    phone=f"{county.area_codes[0]}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}",
                    networks=networks,
                )
            )
    return tuple(groups)


# --- Generated book ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class PersonDraft:
    suffix: str  # 01 primary, 02 spouse, 03.. children
    relationship: str  # primary | spouse | child
    first_name: str
    middle_initial: str | None
    last_name: str
    date_of_birth: date
    sex: str
    ssn_last4: str | None


@dataclass(slots=True)
class PcpDraft:
    member_index: int
    medical_group_number: str
    effective_date: date
    term_date: date
    reason: str
    end_reason: str | None
    assigned_by: str
    request_received_date: date


@dataclass(slots=True)
class PolicyDraft:
    plan: PlanRef
    status: str
    coverage_effective_date: date
    paid_to_date: date | None
    termination_date: date | None
    app_signature_date: date
    eapp_start_date: date
    application_status: str
    application_submitted_at: datetime
    initial_payment_received: bool
    grandfathered: bool
    temporary_plan: bool
    e_app_number: str | None
    client_app_id: str | None
    exchange_assigned_id: str | None
    pending_application_id: str | None
    covered: list[int]  # indexes into the account's members
    pcps: list[PcpDraft] = field(default_factory=list)


@dataclass(slots=True)
class AccountDraft:
    state: str
    county: CountyRef
    address1: str
    address2: str | None
    email: str | None
    phone_home: str | None
    phone_cell: str | None
    phone_work: str | None
    phone_spouse_cell: str | None
    phone_fax: str | None
    members: list[PersonDraft]
    policies: list[PolicyDraft]

    @property
    def primary(self) -> PersonDraft:
        return self.members[0]


@dataclass(frozen=True, slots=True)
class PolicyOptions:
    """Fixed choices for a generated policy (None: drawn from the distribution)."""

    status: str | None = None
    network_type: str | None = None
    exchange: str | None = None
    metal: str | None = None
    unpaid_initial: bool | None = None
    effective: date | None = None
    grandfathered: bool | None = None
    temporary_plan: bool | None = None
    covered: tuple[int, ...] | None = None


_NO_OPTIONS = PolicyOptions()


@dataclass(frozen=True, slots=True)
class Distribution:
    """The shape of a generated book (defaults: the synthetic benchmark book of quality.md)."""

    family_sizes: tuple[tuple[int, int], ...] = ((1, 38), (2, 27), (3, 14), (4, 12), (5, 6), (6, 3))
    statuses: tuple[tuple[str, int], ...] = (("Active", 80), ("Grace Period", 8), ("Termed", 12))
    network_types: tuple[tuple[str, int], ...] = (("HMO", 25), ("POS", 10), ("PPO", 40), ("EPO", 25))
    metals: tuple[tuple[str, int], ...] = (("bronze", 30), ("silver", 42), ("gold", 20), ("platinum", 8))
    states: tuple[tuple[str, int], ...] = (("IL", 60), ("TX", 40))
    on_exchange: float = 0.40
    dental: float = 0.25
    dental_only: float = 0.04
    unpaid_initial: float = 0.03
    grandfathered: float = 0.02
    temporary_plan: float = 0.02
    pcp_history: float = 0.04  # HMO/POS members with an earlier, ended PCP assignment
    history_months: int = 72  # coverage effective dates spread over the last 6 years


PCP_CHANGE_REASONS_FOR_HISTORY = (
    "Change Of Residence",
    "Concern With Service",
    "Concern With Access",
    "Member Preferred One Doctor For Family",
    "Asked Out",
)
_PENDING_ALPHABET = string.ascii_uppercase + string.digits
_E_APP_MULT = 2_654_435_761  # coprime with 9 * 10**9: serial -> 10-digit e-app number is one-to-one


def _cum(pairs: tuple[tuple[object, int], ...]) -> tuple[list[object], list[int]]:
    return [p[0] for p in pairs], list(itertools.accumulate(p[1] for p in pairs))


def e_app_number(serial: int) -> str:
    """A 10-digit e-app number, distinct for distinct serials below 9 * 10**9."""
    return str(1_000_000_000 + (serial * _E_APP_MULT + 48_271) % 9_000_000_000)


class BookGenerator:
    """Accounts with families and policies drawn from `Distribution`; deterministic for a given rng and day."""

    def __init__(
        self,
        rng: random.Random,
        *,
        today: date,
        now: datetime,
        plans: Sequence[PlanRef],
        groups: Sequence[MedicalGroupRef],
        distribution: Distribution | None = None,
        serial_start: int = 0,
    ) -> None:
        self.rng = rng
        self.today = today
        self.now = now
        self.dist = distribution or Distribution()
        self._serial = serial_start
        self._this_month = first_of_month(today)
        self.plans = list(plans)
        years = sorted({p.plan_year for p in plans})
        self._years = years
        self._medical: dict[tuple[int, str, str, str, str], PlanRef] = {}
        self._dental: dict[tuple[int, str, str], list[PlanRef]] = {}
        self._short_term: dict[tuple[int, str], PlanRef] = {}
        for p in plans:
            if p.coverage == "medical" and p.metal_level is None:
                self._short_term[(p.plan_year, p.state)] = p
            elif p.coverage == "medical":
                self._medical[(p.plan_year, p.state, p.network_type, p.exchange, p.metal_level or "")] = p
            else:
                self._dental.setdefault((p.plan_year, p.state, p.exchange), []).append(p)
        self._groups: dict[str, list[str]] = {}
        county_of_zip = {c.zip_code: c.fips for c in COUNTIES}
        self._group_county = {g.medical_group_number: county_of_zip.get(g.zip_code) for g in groups}
        for g in groups:
            if g.accepting_new_patients:
                for code in g.networks:
                    self._groups.setdefault(code, []).append(g.medical_group_number)
        self._counties = {s: [c for c in COUNTIES if c.state == s] for s in STATES}
        self._sizes = _cum(self.dist.family_sizes)
        self._statuses = _cum(self.dist.statuses)
        self._types = _cum(self.dist.network_types)
        self._metals = _cum(self.dist.metals)
        self._states = _cum(self.dist.states)

    # -- people ---------------------------------------------------------------------------------------------

    def _pick(self, table: tuple[list[object], list[int]]) -> object:
        return self.rng.choices(table[0], cum_weights=table[1])[0]

    def family_size(self) -> int:
        return int(self._pick(self._sizes))  # type: ignore[call-overload]

    def adult_age(self) -> int:
        """Ages of primary insureds on the individual market: mostly 18-64, a few older."""
        r = self.rng.random()
        for limit, low, high in ((0.10, 18, 25), (0.28, 26, 34), (0.48, 35, 44), (0.70, 45, 54), (0.94, 55, 64)):
            if r < limit:
                return self.rng.randint(low, high)
        return self.rng.randint(65, 85)

    def _dob_for_age(self, age: int) -> date:
        latest = years_before(self.today, age)  # turns `age` today
        return latest - timedelta(days=self.rng.randrange(365))

    def _ssn4(self) -> str:
        return f"{self.rng.randrange(10000):04d}"

    def _initial(self) -> str | None:
        return self.rng.choice(string.ascii_uppercase) if self.rng.random() < 0.6 else None

    def family(
        self,
        *,
        size: int | None = None,
        spouse: bool | None = None,
        last_name: str | None = None,
        first_name: str | None = None,
        sex: str | None = None,
        date_of_birth: date | None = None,
        child_only: bool = False,
    ) -> list[PersonDraft]:
        """Primary (01), an optional spouse (02) and children (03..), oldest child first; 1-6 people.

        Children are born after both parents turned 18 and are at most 25 (dependents end at 26).
        """
        rng = self.rng
        size = size if size is not None else self.family_size()
        if not 1 <= size <= MAX_FAMILY:
            raise ValueError(f"family size {size} outside 1..{MAX_FAMILY}")
        if spouse is None:
            spouse = size >= 2 and not child_only and rng.random() < (0.7 if size == 2 else 0.75)
        sex = sex or rng.choice(("female", "male"))
        last = last_name or pick_last_name(rng)
        if date_of_birth is None:
            date_of_birth = self._dob_for_age(rng.randint(1, 17) if child_only else self.adult_age())
        people = [
            PersonDraft(
                "01",
                "primary",
                first_name or pick_first_name(rng, sex),
                self._initial(),
                last,
                date_of_birth,
                sex,
                self._ssn4(),
            )
        ]
        youngest_parent = date_of_birth
        if spouse and size >= 2:
            spouse_sex = ("male" if sex == "female" else "female") if rng.random() < 0.95 else sex
            primary_age = age_on(date_of_birth, self.today)
            spouse_age = max(18, min(85, primary_age + round(rng.triangular(-9, 9, 0))))
            spouse_dob = self._dob_for_age(spouse_age)
            youngest_parent = max(youngest_parent, spouse_dob)
            people.append(
                PersonDraft(
                    "02",
                    "spouse",
                    pick_first_name(rng, spouse_sex),
                    self._initial(),
                    last if rng.random() < 0.85 else pick_last_name(rng),
                    spouse_dob,
                    spouse_sex,
                    self._ssn4() if rng.random() < 0.9 else None,
                )
            )
        n_children = size - len(people)
        if n_children:
            if child_only:  # the primary is the oldest child: siblings are younger
                oldest_age = age_on(date_of_birth, self.today)
            else:
                oldest_age = max(0, min(25, age_on(youngest_parent, self.today) - 18))
            span = max(1, oldest_age * 365 + 1)
            births = sorted(self.today - timedelta(days=rng.randrange(span)) for _ in range(n_children))
            for i, born in enumerate(births):
                child_sex = rng.choice(("female", "male"))
                people.append(
                    PersonDraft(
                        f"{3 + i:02d}",
                        "child",
                        pick_first_name(rng, child_sex),
                        self._initial(),
                        last,
                        born,
                        child_sex,
                        self._ssn4() if rng.random() < 0.8 else None,
                    )
                )
        return people

    # -- contact details ------------------------------------------------------------------------------------

    def county(self, state: str | None = None, zip_code: str | None = None) -> CountyRef:
        if zip_code is not None:
            return self.rng.choice([c for c in COUNTIES if c.zip_code == zip_code])
        return self.rng.choice(self._counties[state or str(self._pick(self._states))])

    def phone(self, county: CountyRef) -> str:
        rng = self.rng
        return f"{rng.choice(county.area_codes)}{rng.randint(201, 989)}{rng.randrange(10000):04d}"

    def account(
        self,
        *,
        state: str | None = None,
        zip_code: str | None = None,
        people: list[PersonDraft] | None = None,
        medical: bool | None = None,
        dental: bool | None = None,
        options: PolicyOptions | None = None,
    ) -> AccountDraft:
        """One account: family, address and phones, a medical and/or a dental policy covering the family."""
        rng = self.rng
        county = self.county(state, zip_code)
        people = people if people is not None else self.family()
        primary = people[0]
        has_spouse = len(people) > 1 and people[1].relationship == "spouse"
        email = None
        if rng.random() < 0.85:
            email = (
                f"{primary.first_name}.{primary.last_name}{rng.randrange(100)}@{rng.choice(EMAIL_DOMAINS)}"
            ).lower()
        account = AccountDraft(
            state=county.state,
            county=county,
            address1=f"{rng.randint(1, 9999)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_SUFFIXES)}",
            address2=f"Apt {rng.randint(1, 40)}{rng.choice('ABCD')}" if rng.random() < 0.15 else None,
            email=email,
            phone_home=self.phone(county) if rng.random() < 0.55 else None,
            phone_cell=self.phone(county) if rng.random() < 0.85 else None,
            phone_work=self.phone(county) if rng.random() < 0.25 else None,
            phone_spouse_cell=self.phone(county) if has_spouse and rng.random() < 0.4 else None,
            phone_fax=self.phone(county) if rng.random() < 0.05 else None,
            members=people,
            policies=[],
        )
        if medical is None and dental is None:
            if rng.random() < self.dist.dental_only:
                medical, dental = False, True
            else:
                medical, dental = True, rng.random() < self.dist.dental
        if medical:
            account.policies.append(self.policy(account, "medical", options))
        if dental and account.policies and account.policies[0].temporary_plan:
            dental = False  # a short-term medical plan is sold alone
        if dental:
            if account.policies:  # written with the medical policy: same dates, status and exchange
                account.policies.append(self.dental_like(account, account.policies[0]))
            else:
                account.policies.append(self.policy(account, "dental", options))
        return account

    # -- policies -------------------------------------------------------------------------------------------

    def _plan_year(self, effective: date) -> int:
        return min(max(effective.year, self._years[0]), self._years[-1])

    def medical_plan(self, state: str, year: int, network_type: str, exchange: str, metal: str) -> PlanRef:
        return self._medical[(year, state, network_type, exchange, metal)]

    def _next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def policy(self, account: AccountDraft, coverage: str, options: PolicyOptions | None = None) -> PolicyDraft:
        """A policy with dates consistent with its status (R-MEM-1); PCPs for HMO/POS members (R-PCP-1).

        The rules of demo/book.py's docstring hold for every policy drawn here: grandfathered coverage started
        before 2010-03-23; a temporary plan is a short-term plan with a term under a year; a policy in grace is
        at most 30 (off exchange) or 90 (on exchange) days past its paid-to date; an unpaid new sale starts next
        month, without a paid-to date.
        """
        rng, dist = self.rng, self.dist
        o = options or _NO_OPTIONS
        status, network_type, exchange, metal = o.status, o.network_type, o.exchange, o.metal
        unpaid_initial, effective = o.unpaid_initial, o.effective
        this_month = self._this_month
        if unpaid_initial is None:
            unpaid_initial = status in (None, "Active") and rng.random() < dist.unpaid_initial
        status = "Active" if unpaid_initial else (status or str(self._pick(self._statuses)))
        temporary = o.temporary_plan if o.temporary_plan is not None else rng.random() < dist.temporary_plan
        temporary = temporary and coverage == "medical" and not unpaid_initial
        if temporary and (self._plan_year(this_month), account.state) not in self._short_term:
            if o.temporary_plan:
                raise ValueError("a temporary plan needs the short-term plans in the generator's plans")
            temporary = False
        grandfathered = o.grandfathered if o.grandfathered is not None else rng.random() < dist.grandfathered
        grandfathered = grandfathered and not temporary and not unpaid_initial
        exchange = (
            "off" if temporary or grandfathered else (exchange or ("on" if rng.random() < dist.on_exchange else "off"))
        )
        termination = None
        if effective is None:
            if unpaid_initial:  # a new sale, not in force until its first payment: next month
                effective = add_months(this_month, 1)
            elif grandfathered:  # in force since before the ACA
                effective = add_months(date(2010, 3, 1), -rng.randint(0, 48))
            elif temporary:
                effective = add_months(this_month, -rng.randint(4, 10) if status == "Termed" else -rng.randint(1, 8))
            elif status == "Termed":
                effective = add_months(this_month, -rng.randint(2, dist.history_months))
            elif status == "Grace Period":
                effective = add_months(this_month, -rng.randint(3, dist.history_months))
            else:
                effective = add_months(this_month, -rng.randint(0, dist.history_months))
        if unpaid_initial and effective <= self.today:
            raise ValueError(f"an unpaid new sale is not in force yet: effective {effective} is not after today")
        if grandfathered and effective >= GRANDFATHER_CUTOFF:
            raise ValueError(f"grandfathered coverage must start before {GRANDFATHER_CUTOFF}, not {effective}")
        months_covered = (this_month.year - effective.year) * 12 + this_month.month - effective.month
        if temporary:  # a short term: ends within a year of its start (in the future while in force)
            if status == "Termed":
                term_months = rng.randint(min(3, months_covered), min(SHORT_TERM_MAX_MONTHS, months_covered))
            else:
                term_months = rng.randint(min(months_covered + 1, SHORT_TERM_MAX_MONTHS), SHORT_TERM_MAX_MONTHS)
            if not 1 <= term_months <= SHORT_TERM_MAX_MONTHS:
                raise ValueError(f"no short term fits a temporary plan effective {effective} with status {status}")
            termination = add_months(effective, term_months) - timedelta(days=1)
        if status == "Termed":
            if termination is None:
                termination = add_months(effective, rng.randint(1, max(1, months_covered))) - timedelta(days=1)
            termination = min(termination, this_month - timedelta(days=1))
            paid_to: date | None = termination
        elif status == "Grace Period":  # premium due: paid through the end of last month (or the month before)
            paid_to = self.grace_paid_to(exchange)
        elif unpaid_initial:
            paid_to = None
        else:
            paid_to = end_of_month(add_months(this_month, rng.randint(0, 2)))
            if termination is not None:
                paid_to = min(paid_to, termination)
        # Signed and submitted before coverage starts, and more than a day ago (R-ID-4: only the demo book's
        # one notable policy was submitted within the last 24 hours).
        signed = min(effective - timedelta(days=rng.randint(3, 45)), self.today - timedelta(days=2))
        started = signed - timedelta(days=rng.randint(0, 7))
        submitted = datetime.combine(signed, time(rng.randint(13, 23), rng.randrange(60), rng.randrange(60)), UTC)
        submitted = min(submitted, self.now - timedelta(hours=25))
        year = self._plan_year(effective)
        if temporary:
            plan = self._short_term[(year, account.state)]
        elif coverage == "medical":
            network_type = network_type or str(self._pick(self._types))
            metal = metal or str(self._pick(self._metals))
            plan = self.medical_plan(account.state, year, network_type, exchange, metal)
        else:
            plan = rng.choice(self._dental[(year, account.state, exchange)])
        serial = self._next_serial()
        covered = list(o.covered) if o.covered is not None else list(range(len(account.members)))
        draft = PolicyDraft(
            plan=plan,
            status=status,
            coverage_effective_date=effective,
            paid_to_date=paid_to,
            termination_date=termination,
            app_signature_date=signed,
            eapp_start_date=started,
            application_status="Submitted" if unpaid_initial else "Approved",
            application_submitted_at=submitted,
            initial_payment_received=not unpaid_initial,
            grandfathered=grandfathered,
            temporary_plan=temporary,
            e_app_number=e_app_number(serial) if rng.random() < 0.92 else None,
            client_app_id=f"PP{rng.randrange(100000):05d}" if rng.random() < 0.4 else None,
            exchange_assigned_id=f"4{rng.randrange(10**9):09d}" if exchange == "on" else None,
            pending_application_id="".join(rng.choices(_PENDING_ALPHABET, k=6)) if rng.random() < 0.6 else None,
            covered=covered,
        )
        if plan.requires_pcp:
            self.assign_pcps(draft, account.county)
        return draft

    def grace_paid_to(self, exchange: str) -> date:
        """A paid-to date for a policy in grace: past, at most 30 days back off exchange (90 on exchange)."""
        last_month_end = self._this_month - timedelta(days=1)
        if exchange == "on":
            paid_to = add_months(self._this_month, -self.rng.randint(0, 2)) - timedelta(days=1)
            return max(paid_to, self.today - timedelta(days=ON_EXCHANGE_GRACE_DAYS))
        return max(last_month_end, self.today - timedelta(days=OFF_EXCHANGE_GRACE_DAYS))

    def dental_like(self, account: AccountDraft, medical: PolicyDraft) -> PolicyDraft:
        """A dental policy sold with a medical one: same dates, status, exchange and members."""
        rng = self.rng
        year = medical.plan.plan_year
        plan = rng.choice(self._dental[(year, account.state, medical.plan.exchange)])
        return PolicyDraft(
            plan=plan,
            status=medical.status,
            coverage_effective_date=medical.coverage_effective_date,
            paid_to_date=medical.paid_to_date,
            termination_date=medical.termination_date,
            app_signature_date=medical.app_signature_date,
            eapp_start_date=medical.eapp_start_date,
            application_status=medical.application_status,
            application_submitted_at=medical.application_submitted_at,
            initial_payment_received=medical.initial_payment_received,
            grandfathered=medical.grandfathered,  # in force since the same pre-2010 day
            temporary_plan=False,
            e_app_number=medical.e_app_number,  # one application, one e-app number
            client_app_id=medical.client_app_id,
            exchange_assigned_id=f"4{rng.randrange(10**9):09d}" if medical.exchange_assigned_id else None,
            pending_application_id=medical.pending_application_id,
            covered=list(medical.covered),
        )

    def assign_pcps(self, policy: PolicyDraft, county: CountyRef) -> None:
        """R-PCP-6: each covered member's current PCP runs to 9999-12-31; a few have an ended earlier one.

        Groups in the plan's network and in the member's county (the nearest ones: every county of the demo
        geography has one in each network); the state's groups only where a county has none.
        """
        rng = self.rng
        in_network = self._groups[policy.plan.network_code]
        groups = [g for g in in_network if self._group_county[g] == county.fips] or in_network
        start = policy.coverage_effective_date
        received = policy.app_signature_date
        family_group = rng.choice(groups)
        for index in policy.covered:
            group = family_group if rng.random() < 0.7 else rng.choice(groups)
            months_on = (self._this_month.year - start.year) * 12 + self._this_month.month - start.month
            if months_on >= 2 and len(groups) > 1 and rng.random() < self.dist.pcp_history:
                changed = add_months(start, rng.randint(1, months_on))
                reason = rng.choice(PCP_CHANGE_REASONS_FOR_HISTORY)
                earlier = rng.choice([g for g in groups if g != group])
                policy.pcps.append(
                    PcpDraft(
                        index, earlier, start, changed - timedelta(days=1), "New Enrollee", reason, "Carrier", received
                    )
                )
                policy.pcps.append(
                    PcpDraft(
                        index,
                        group,
                        changed,
                        OPEN_END_DATE,
                        reason,
                        None,
                        "Producer",
                        changed - timedelta(days=rng.randint(5, 25)),
                    )
                )
            else:
                policy.pcps.append(
                    PcpDraft(index, group, start, OPEN_END_DATE, "New Enrollee", None, "Carrier", received)
                )


def split_members(total: int, producers: int, rng: random.Random) -> list[int]:
    """Members per producer: `total` split over `producers` books of uneven size (0.5x-1.5x the mean)."""
    if producers < 1:
        raise ValueError("at least one producer")
    weights = [0.5 + rng.random() for _ in range(producers)]
    scale = total / sum(weights)
    quotas = [int(w * scale) for w in weights]
    for i in range(total - sum(quotas)):
        quotas[i % producers] += 1
    return quotas


def fit_family_size(size: int, remaining: int) -> int:
    """The last family of a book is cut so that the book has exactly the members asked for."""
    return max(1, min(size, remaining))
