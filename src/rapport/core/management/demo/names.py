"""Word lists the demo draws from: people, companies, places and the words of a sales day."""

FIRST_NAMES = [
    "Emma", "Liam", "Sofia", "Noah", "Mia", "Lucas", "Olivia", "Mateo", "Hannah", "Elias", "Clara",
    "Jonas", "Lea", "Felix", "Anna", "Leon", "Marta", "Hugo", "Julia", "Adam", "Zofia", "Jakub",
    "Alba", "Pablo", "Chloé", "Louis", "Inès", "Gabriel", "Freya", "Oscar", "Ella", "Erik", "Maja",
    "Nils", "Giulia", "Marco", "Chiara", "Luca", "Beatriz", "Tiago", "Amelia", "Oliver", "Isla",
    "Harry", "Grace", "James", "Lotte", "Daan", "Sanne", "Bram", "Ava", "Ethan", "Nora", "Samuel",
    "Irene", "Diego", "Carmen", "Javier", "Helena", "Tomasz", "Agnieszka", "Piotr", "Ingrid", "Lars",
    "Camille", "Théo", "Paula", "Martin", "Eva", "David", "Laura", "Daniel", "Sara", "Victor",
    "Alice", "Max", "Rosa", "Simon", "Ida", "Jan",
]

LAST_NAMES = [
    "Fischer", "Weber", "Schneider", "Becker", "Hoffmann", "Wagner", "Martin", "Bernard", "Dubois",
    "Moreau", "Laurent", "Lefèvre", "García", "Fernández", "López", "Martínez", "Sánchez", "Romero",
    "Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamińska", "Smith", "Jones", "Taylor", "Brown",
    "Wilson", "Evans", "Clarke", "de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Andersson",
    "Johansson", "Karlsson", "Nilsson", "Lindqvist", "Rossi", "Russo", "Ferrari", "Esposito",
    "Bianchi", "Romano", "Silva", "Santos", "Ferreira", "Pereira", "Costa", "Oliveira", "Miller",
    "Davis", "Walker", "Hughes", "Novak", "Horvat", "Meyer", "Schulz", "Keller", "Roux", "Fontaine",
    "Navarro", "Iglesias", "Castro", "Lewandowska", "Zieliński", "Berg", "Holm", "Marino", "Greco",
    "Murphy", "Kelly", "Byrne", "O'Brien", "Vogel", "Brandt", "Lorenz", "Hartmann",
]

COMPANY_WORDS = [
    "Northwind", "Bluefin", "Alder", "Kestrel", "Granite", "Silverline", "Brightwater", "Oakridge",
    "Meridian", "Helios", "Lumen", "Vertex", "Crescent", "Harbor", "Pinecrest", "Redwood", "Summit",
    "Tidewater", "Ironbridge", "Foxglove", "Stonegate", "Evergreen", "Nordlicht", "Aurora", "Cobalt",
    "Juniper", "Lakeside", "Marigold", "Orbit", "Polaris", "Quarry", "Riverbend", "Saffron",
    "Thistle", "Umbra", "Valley", "Westbrook", "Zephyr", "Amber", "Beacon", "Cedar", "Delta",
    "Ember", "Falcon", "Glacier", "Heron", "Indigo", "Jasper", "Kite", "Linden", "Maple", "Nimbus",
    "Opal", "Pioneer", "Quill", "Rowan", "Sterling", "Topaz", "Unity", "Vega",
]

# A company's trade, and the industry it is filed under.
TRADES = {
    "Logistics": "Transport & logistics",
    "Freight": "Transport & logistics",
    "Foods": "Food & beverage",
    "Brewing": "Food & beverage",
    "Analytics": "Software & IT",
    "Systems": "Software & IT",
    "Software": "Software & IT",
    "Cloud": "Software & IT",
    "Health": "Healthcare",
    "Clinics": "Healthcare",
    "Pharma": "Pharmaceuticals",
    "Energy": "Energy & utilities",
    "Solar": "Energy & utilities",
    "Robotics": "Manufacturing",
    "Industries": "Manufacturing",
    "Textiles": "Manufacturing",
    "Motors": "Automotive",
    "Labs": "Research",
    "Consulting": "Professional services",
    "Legal": "Professional services",
    "Media": "Media & marketing",
    "Studios": "Media & marketing",
    "Retail": "Retail",
    "Outfitters": "Retail",
    "Hotels": "Hospitality",
    "Construction": "Construction",
    "Architects": "Construction",
    "Aerospace": "Aerospace",
    "Finance": "Financial services",
    "Insurance": "Financial services",
    "Education": "Education",
    "Academy": "Education",
}

# code: (legal suffix, phone prefix, VAT prefix, [(city, postcode pattern)], [street names])
COUNTRIES = {
    "DE": ("GmbH", "+49", "DE", [("Berlin", "10###"), ("Hamburg", "20###"), ("Munich", "80###"), ("Cologne", "50###"), ("Leipzig", "04###")],
           ["Hauptstraße", "Bahnhofstraße", "Lindenallee", "Gartenweg", "Schillerstraße"]),
    "FR": ("SAS", "+33", "FR", [("Paris", "750##"), ("Lyon", "690##"), ("Marseille", "130##"), ("Toulouse", "310##"), ("Nantes", "440##")],
           ["rue de la République", "avenue Victor Hugo", "rue Pasteur", "boulevard Voltaire", "rue du Moulin"]),
    "ES": ("S.L.", "+34", "ES", [("Madrid", "280##"), ("Barcelona", "080##"), ("Valencia", "460##"), ("Sevilla", "410##"), ("A Coruña", "150##")],
           ["Calle Mayor", "Avenida de la Constitución", "Calle del Sol", "Paseo de Gracia", "Rúa Real"]),
    "PL": ("Sp. z o.o.", "+48", "PL", [("Warszawa", "00-###"), ("Kraków", "30-###"), ("Gdańsk", "80-###"), ("Wrocław", "50-###"), ("Poznań", "60-###")],
           ["ul. Marszałkowska", "ul. Długa", "ul. Floriańska", "ul. Piotrkowska", "ul. Świętojańska"]),
    "GB": ("Ltd", "+44", "GB", [("London", "EC1A #AA"), ("Manchester", "M1 #AB"), ("Bristol", "BS1 #QA"), ("Leeds", "LS1 #BA"), ("Edinburgh", "EH1 #YZ")],
           ["High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane"]),
    "NL": ("B.V.", "+31", "NL", [("Amsterdam", "10## AB"), ("Rotterdam", "30## CD"), ("Utrecht", "35## EF"), ("Eindhoven", "56## GH")],
           ["Kerkstraat", "Dorpsstraat", "Stationsweg", "Molenweg", "Keizersgracht"]),
    "SE": ("AB", "+46", "SE", [("Stockholm", "111 ##"), ("Göteborg", "411 ##"), ("Malmö", "211 ##"), ("Uppsala", "753 ##")],
           ["Storgatan", "Drottninggatan", "Kungsgatan", "Vasagatan", "Skolgatan"]),
    "IT": ("S.r.l.", "+39", "IT", [("Milano", "201##"), ("Roma", "001##"), ("Torino", "101##"), ("Bologna", "401##")],
           ["Via Roma", "Corso Italia", "Via Garibaldi", "Via Dante", "Piazza Mazzini"]),
    "PT": ("Lda", "+351", "PT", [("Lisboa", "1000-###"), ("Porto", "4000-###"), ("Braga", "4700-###")],
           ["Rua Augusta", "Avenida da Liberdade", "Rua de Santa Catarina", "Rua do Carmo"]),
    "US": ("Inc.", "+1", "", [("New York", "100##"), ("Boston", "021##"), ("Chicago", "606##"), ("Austin", "787##")],
           ["Main Street", "Oak Avenue", "Maple Drive", "Park Avenue", "Washington Street"]),
}
# How often each country appears: the demo company sells mostly in Europe.
COUNTRY_WEIGHTS = {"DE": 22, "FR": 14, "ES": 14, "PL": 10, "GB": 12, "NL": 8, "SE": 6, "IT": 7, "PT": 3, "US": 4}

JOB_TITLES = [
    "Chief Executive Officer", "Chief Financial Officer", "Head of Operations", "IT Director",
    "Procurement Manager", "Sales Director", "Marketing Manager", "Office Manager", "CTO",
    "Head of Customer Service", "Project Manager", "Purchasing Officer", "Finance Manager",
    "Operations Analyst", "Managing Director", "Team Lead", "Logistics Coordinator", "HR Manager",
]
CONTACT_TYPES = ["Decision maker", "Influencer", "User", "Billing", "Technical"]
DEAL_ROLES = ["Decision maker", "Champion", "Technical buyer", "Economic buyer", "User"]

NEEDS = [
    "CRM rollout", "Fleet tracking", "Annual support renewal", "Data platform pilot",
    "Warehouse scanners", "Training programme", "Cloud migration", "Security audit",
    "Licence expansion", "Website relaunch", "Customer portal", "Reporting suite",
    "Field service app", "Payroll integration", "Hardware refresh", "Consulting retainer",
    "Onboarding package", "API integration", "Managed backups", "Partner programme",
]

LEAD_DESCRIPTIONS = [
    "Asked for a call back about pricing.",
    "Downloaded the product brochure and asked for a demo.",
    "Met at the trade fair; interested in a pilot this quarter.",
    "Referred by an existing customer.",
    "Currently evaluating three vendors; decision expected within two months.",
    "Wants a quote for the enterprise plan.",
    "Came through the webinar; small team, growing fast.",
    "Unhappy with their current provider's support.",
]
DISQUALIFY_REASONS = [
    "No budget this year", "Not the decision maker", "Duplicate of an existing lead",
    "Works for a competitor", "No response after several attempts", "Outside our market",
    "Looking for a free tool",
]
LOST_REASONS = [
    "Price too high", "Chose a competitor", "No decision made", "Project postponed",
    "Lost contact with the buyer", "Missing feature", "Budget cut",
]
COMPETITORS = ["None", "Salesforge", "PipeWorks", "Ledgerly", "In-house tool"]
CHANNELS = ["E-mail", "Phone", "Video call", "In person"]

TASK_SUBJECTS = [
    "Send the proposal", "Prepare the demo", "Follow up on the quote", "Check the contract draft",
    "Call back about pricing", "Send case studies", "Book the kick-off meeting",
    "Confirm the budget", "Introduce the technical team", "Update the forecast",
    "Send the meeting notes", "Ask for a reference call",
]
CALL_SUBJECTS = [
    "Discovery call", "Pricing questions", "Follow-up call", "Check-in", "Contract questions",
    "Support escalation", "Introduction call", "Renewal discussion",
]
MEETING_SUBJECTS = [
    "Product demo", "Kick-off meeting", "Quarterly business review", "Negotiation meeting",
    "Workshop on requirements", "Site visit", "Executive briefing",
]
EMAIL_SUBJECTS = [
    "Proposal attached", "Re: next steps", "Meeting summary", "Updated quote", "Question about licences",
    "Re: contract terms", "Introduction", "Invoice question", "Re: demo follow-up",
]
NOTE_BODIES = [
    "Budget approved by the board; timing depends on their Q3 planning.",
    "They liked the reporting module most.",
    "Decision maker is on holiday until the end of the month.",
    "Competitor offered a 20% discount; we need to show value, not price.",
    "Their IT team worries about the migration effort.",
    "Good rapport with the champion; procurement is slower.",
    "Asked for references in their industry.",
    "Wants monthly billing instead of yearly.",
]
TASK_CATEGORIES = ["Follow-up", "Admin", "Preparation", "Customer care"]

TAGS = [("Key account", "#b91c1c"), ("Referral", "#15803d"), ("Upsell", "#1d4ed8"), ("Public sector", "#7c3aed"), ("Urgent", "#c2410c")]
