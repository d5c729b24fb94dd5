//! The vocabulary the demo generator draws from. Names are made of invented parts so that no
//! demo company is mistaken for a real one; domains end in real-looking TLDs all the same.

/// (industry, weight, products a deal in it is named after)
pub const INDUSTRIES: &[(&str, u32, &[&str])] = &[
    (
        "Software",
        18,
        &["Platform", "Analytics suite", "API access", "Seats"],
    ),
    (
        "Fintech",
        10,
        &[
            "Payments module",
            "Risk engine",
            "Ledger",
            "Compliance pack",
        ],
    ),
    (
        "Healthcare",
        9,
        &["Clinical data", "Scheduling", "Patient portal"],
    ),
    (
        "Manufacturing",
        9,
        &["Plant monitoring", "Supply planning", "Quality module"],
    ),
    (
        "Retail",
        8,
        &["Store analytics", "Pricing engine", "Loyalty"],
    ),
    (
        "Logistics",
        7,
        &["Fleet tracking", "Route planning", "Warehouse module"],
    ),
    (
        "Energy",
        6,
        &["Grid analytics", "Asset monitoring", "Trading desk"],
    ),
    (
        "Media",
        5,
        &["Audience insights", "Ad platform", "Content API"],
    ),
    ("Education", 5, &["Campus licence", "Learning analytics"]),
    (
        "Telecom",
        5,
        &["Network analytics", "Churn model", "Billing"],
    ),
    (
        "Real estate",
        4,
        &["Portfolio analytics", "Lease management"],
    ),
    (
        "Cybersecurity",
        8,
        &["Threat feed", "SOC seats", "Compliance pack"],
    ),
];

/// (ISO country, weight, cities)
pub const COUNTRIES: &[(&str, u32, &[&str])] = &[
    (
        "US",
        30,
        &[
            "New York",
            "San Francisco",
            "Austin",
            "Chicago",
            "Boston",
            "Seattle",
        ],
    ),
    ("GB", 10, &["London", "Manchester", "Edinburgh", "Bristol"]),
    ("DE", 9, &["Berlin", "Munich", "Hamburg", "Frankfurt"]),
    ("FR", 6, &["Paris", "Lyon", "Toulouse"]),
    ("NL", 4, &["Amsterdam", "Rotterdam", "Utrecht"]),
    ("SE", 3, &["Stockholm", "Gothenburg", "Malmö"]),
    ("ES", 3, &["Madrid", "Barcelona", "Valencia"]),
    ("CA", 5, &["Toronto", "Vancouver", "Montréal"]),
    ("AU", 4, &["Sydney", "Melbourne", "Brisbane"]),
    ("JP", 4, &["Tokyo", "Osaka"]),
    ("SG", 3, &["Singapore"]),
    ("IN", 5, &["Bengaluru", "Mumbai", "Pune"]),
    ("BR", 3, &["São Paulo", "Rio de Janeiro"]),
];

pub const NAME_STARTS: &[&str] = &[
    "North", "Blue", "Silver", "Bright", "Clear", "Iron", "Cedar", "Summit", "Harbor", "Quartz",
    "Nimbus", "Vertex", "Aster", "Lumen", "Orbit", "Helix", "Atlas", "Beacon", "Crest", "Delta",
    "Ember", "Falcon", "Granite", "Horizon", "Indigo", "Juniper", "Kestrel", "Lattice", "Meridian",
    "Nova", "Opal", "Pioneer", "Quill", "Radian", "Sable", "Tidal", "Umbra", "Vantage", "Willow",
    "Zenith", "Arbor", "Boreal", "Cobalt", "Drift", "Echo", "Fable", "Glacier", "Halo", "Kinetic",
    "Lark", "Mosaic", "Nexus", "Onyx", "Prism", "Rally", "Solace", "Terra", "Vivid", "Wren",
    "Apex",
];

pub const NAME_ENDS: &[&str] = &[
    "wind", "field", "stone", "bridge", "works", "point", "line", "gate", "path", "loop", "mark",
    "forge", "leaf", "peak", "scale", "shift", "wave", "grid", "light", "port", "hive", "spring",
    "vale", "ridge", "stack", "craft", "sense", "flow", "beam", "core",
];

pub const NAME_SUFFIXES: &[&str] = &[
    "",
    "",
    "",
    "Labs",
    "Systems",
    "Analytics",
    "Group",
    "Technologies",
    "Health",
    "Logistics",
    "Energy",
    "Capital",
    "Robotics",
    "Media",
    "Networks",
    "Software",
    "Partners",
    "Industries",
];

pub const TLDS: &[&str] = &["com", "com", "com", "io", "co", "ai", "net", "de", "co.uk"];

pub const TAGS: &[&str] = &[
    "enterprise",
    "mid-market",
    "smb",
    "strategic",
    "partner",
    "expansion",
    "churn-risk",
    "target-account",
];

pub const FIRST_NAMES: &[&str] = &[
    "Ada", "Ben", "Chloé", "Daniel", "Elif", "Farah", "Gustav", "Hana", "Ivan", "Julia", "Kenji",
    "Lena", "Mateo", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Samuel", "Tara", "Uma",
    "Viktor", "Wei", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno", "Camille", "Dev",
];

pub const LAST_NAMES: &[&str] = &[
    "Andersen", "Bauer", "Chen", "Dubois", "Eriksson", "Fischer", "García", "Haddad", "Ito",
    "Jensen", "Kowalski", "Lopez", "Müller", "Nakamura", "O'Brien", "Patel", "Quinn", "Rossi",
    "Schmidt", "Tanaka", "Urquhart", "Varga", "Walsh", "Xu", "Yilmaz", "Zhang", "Okafor", "Silva",
];

pub const TITLES: &[&str] = &[
    "CEO",
    "CTO",
    "VP Sales",
    "Head of Operations",
    "Procurement Manager",
    "Head of Data",
    "CFO",
    "IT Director",
    "Product Lead",
    "Chief Revenue Officer",
];

pub const DEAL_KINDS: &[&str] = &["pilot", "rollout", "expansion", "new licence", "upgrade"];

/// (kind, subjects) — `{c}` is the company's name.
pub const ACTIVITY_SUBJECTS: &[(&str, &[&str])] = &[
    (
        "call",
        &[
            "Discovery call with {c}",
            "Pricing call",
            "Check-in on rollout",
            "Call with procurement",
        ],
    ),
    (
        "email",
        &[
            "Sent proposal to {c}",
            "Follow-up on security questionnaire",
            "Shared case study",
            "Contract redlines",
        ],
    ),
    (
        "meeting",
        &[
            "Demo for {c}",
            "Onsite workshop",
            "Executive alignment",
            "Quarterly business review",
        ],
    ),
    (
        "note",
        &[
            "Budget confirmed for next quarter",
            "Champion moved teams",
            "Competitor evaluated in parallel",
            "Legal review started",
        ],
    ),
    (
        "task",
        &[
            "Send updated quote",
            "Book technical deep-dive",
            "Prepare ROI summary for {c}",
            "Renewal reminder",
        ],
    ),
];

/// (source kind, title, sentiment centre) — `{c}` is the company's name.
pub const SIGNALS: &[(&str, &str, f64)] = &[
    (
        "news",
        "{c} raises new funding round to expand in Europe",
        0.7,
    ),
    ("news", "{c} announces layoffs amid restructuring", -0.6),
    ("news", "{c} appoints new Chief Revenue Officer", 0.3),
    ("news", "{c} acquires a smaller rival", 0.5),
    (
        "news",
        "{c} faces regulatory inquiry over data handling",
        -0.7,
    ),
    ("news", "{c} opens office in Singapore", 0.5),
    ("social", "Customers praise {c}'s new release", 0.6),
    ("social", "Outage at {c} frustrates users", -0.5),
    ("social", "{c} CEO outlines product roadmap", 0.2),
    (
        "review",
        "\"Solid product, slow support\" — review of {c}",
        -0.1,
    ),
    (
        "review",
        "\"Best tool we've adopted this year\" — review of {c}",
        0.8,
    ),
    ("review", "\"Pricing keeps going up\" — review of {c}", -0.4),
];
