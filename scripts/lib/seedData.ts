// Demo data for scripts/seed.ts: deterministic customers (the same index always gives the same
// person, so a re-run or a larger --customers adds exactly the missing ones), with addresses in
// six countries, plausible postal codes and E.164 phone numbers.
//
// Phone numbers use the ranges set aside for fiction where a country has one that
// libphonenumber accepts (North America's 555-01XX, Ofcom's geographic drama numbers such as
// 020 7946 0XXX and 0161 496 0XXX, ARCEP's 01 99 00, 02 61 91, 03 53 01, 04 65 71 and 05 36 49);
// the UK's 07700 900XXX and France's 06 39 98 are refused by address validation as not valid.
// Germany and Poland have none, so theirs are random numbers in real mobile ranges.
//
// Every address is already what address validation (services/addresses) stores: cities upper-case
// as Google's address data normalises them, phones in E.164, so the list API would keep it as it is.

export type Country = 'US' | 'CA' | 'GB' | 'DE' | 'FR' | 'PL'

export type DemoAddress = {
  firstName: string
  lastName: string
  companyName: string
  streetAddress1: string
  streetAddress2: string
  city: string
  cityArea: string
  postalCode: string
  country: Country
  countryArea: string
  phone: string
}

export type DemoCustomer = {
  index: number
  email: string
  firstName: string
  lastName: string
  name: string
  languageCode: string
  phone: string
  dateJoined: Date
  lastLogin: Date | null
  /** one or two; defaultShipping and defaultBilling index into this */
  addresses: DemoAddress[]
  defaultShipping: number
  defaultBilling: number
  /** names from DEMO_CUSTOMER_GROUPS */
  groups: string[]
}

export const DEMO_CUSTOMER_PASSWORD = 'demo-customer-password'

export const DEMO_CUSTOMER_GROUPS = [
  { name: 'VIP', description: 'Our best customers: early access to sales and free express shipping.' },
  { name: 'Wholesale', description: 'Business customers buying at trade prices, invoiced to their company.' },
  { name: 'Newsletter', description: 'Customers who opted in to the weekly newsletter.' },
] as const

const DEMO_EMAIL = /^customer([1-9][0-9]*)@example\.com$/

export function formatDemoCustomerEmail(index: number): string {
  return `customer${index}@example.com`
}

/** The index of a demo customer's email (customer17@example.com → 17), or undefined for any other email. */
export function parseDemoCustomerIndex(email: string): number | undefined {
  const match = DEMO_EMAIL.exec(email)
  return match ? Number(match[1]) : undefined
}

// lowbias32, a 32-bit integer hash: neighbouring indexes get unrelated seeds
function hashIndex(value: number): number {
  let x = value >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d)
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b)
  return (x ^ (x >>> 16)) >>> 0
}

// mulberry32, seeded from the customer index alone, so each customer's stream is independent of
// how many customers are generated before it
class Random {
  private state: number

  constructor(index: number) {
    this.state = hashIndex(Math.imul(index, 0x9e3779b1) ^ 0x5eed5eed)
  }

  /** a float in [0, 1) */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  digits(count: number): string {
    let out = ''
    for (let i = 0; i < count; i++) out += String(this.int(0, 9))
    return out
  }
}

type NamePool = { female: readonly string[]; male: readonly string[]; last: readonly string[] }

const ENGLISH_US: NamePool = {
  female: [
    'Emma',
    'Olivia',
    'Ava',
    'Sophia',
    'Isabella',
    'Mia',
    'Charlotte',
    'Amelia',
    'Harper',
    'Evelyn',
    'Abigail',
    'Emily',
    'Grace',
    'Chloe',
    'Zoe',
    'Lily',
    'Hannah',
    'Madison',
    'Aaliyah',
    'Maya',
    'Camila',
    'Priya',
    'Mei',
    'Jasmine',
  ],
  male: [
    'Liam',
    'Noah',
    'Oliver',
    'Elijah',
    'James',
    'William',
    'Benjamin',
    'Lucas',
    'Henry',
    'Alexander',
    'Mason',
    'Michael',
    'Ethan',
    'Daniel',
    'Jacob',
    'Logan',
    'Jackson',
    'Sebastian',
    'Mateo',
    'David',
    'Andre',
    'Raj',
    'Kevin',
    'Marcus',
  ],
  last: [
    'Smith',
    'Johnson',
    'Williams',
    'Brown',
    'Jones',
    'Garcia',
    'Miller',
    'Davis',
    'Rodriguez',
    'Martinez',
    'Hernandez',
    'Lopez',
    'Gonzalez',
    'Wilson',
    'Anderson',
    'Thomas',
    'Taylor',
    'Moore',
    'Jackson',
    'Martin',
    'Lee',
    'Thompson',
    'White',
    'Harris',
    'Clark',
    'Lewis',
    'Robinson',
    'Walker',
    'Young',
    'Allen',
    'Nguyen',
    'Kim',
    'Patel',
    'Chen',
    "O'Brien",
    'Washington',
  ],
}

const ENGLISH_GB: NamePool = {
  female: [
    'Olivia',
    'Amelia',
    'Isla',
    'Ava',
    'Ivy',
    'Freya',
    'Lily',
    'Florence',
    'Mia',
    'Willow',
    'Rosie',
    'Sophia',
    'Isabella',
    'Grace',
    'Daisy',
    'Sienna',
    'Poppy',
    'Elsie',
    'Evie',
    'Phoebe',
    'Aisha',
    'Niamh',
  ],
  male: [
    'Oliver',
    'George',
    'Arthur',
    'Noah',
    'Muhammad',
    'Leo',
    'Oscar',
    'Harry',
    'Archie',
    'Jack',
    'Henry',
    'Charlie',
    'Freddie',
    'Theodore',
    'Thomas',
    'Alfie',
    'Jacob',
    'William',
    'Isaac',
    'Finley',
    'Callum',
    'Rhys',
  ],
  last: [
    'Smith',
    'Jones',
    'Williams',
    'Taylor',
    'Davies',
    'Brown',
    'Evans',
    'Wilson',
    'Thomas',
    'Roberts',
    'Johnson',
    'Lewis',
    'Walker',
    'Robinson',
    'Wood',
    'Thompson',
    'White',
    'Watson',
    'Jackson',
    'Wright',
    'Green',
    'Harris',
    'Cooper',
    'King',
    'Lee',
    'Khan',
    'Ali',
    'Patel',
    'Hughes',
    'Edwards',
    "O'Connor",
    'MacDonald',
  ],
}

const FRENCH_CA: NamePool = {
  female: [
    'Léa',
    'Chloé',
    'Florence',
    'Alice',
    'Charlotte',
    'Emma',
    'Juliette',
    'Rosalie',
    'Béatrice',
    'Zoé',
    'Mélanie',
    'Geneviève',
  ],
  male: [
    'William',
    'Liam',
    'Thomas',
    'Jacob',
    'Félix',
    'Noah',
    'Nathan',
    'Samuel',
    'Gabriel',
    'Émile',
    'Mathis',
    'Olivier',
  ],
  last: [
    'Tremblay',
    'Gagnon',
    'Roy',
    'Côté',
    'Bouchard',
    'Gauthier',
    'Morin',
    'Lavoie',
    'Fortin',
    'Gagné',
    'Ouellet',
    'Pelletier',
    'Bélanger',
    'Lévesque',
    'Bergeron',
  ],
}

const GERMAN: NamePool = {
  female: [
    'Sophie',
    'Marie',
    'Emilia',
    'Hannah',
    'Emma',
    'Mia',
    'Lina',
    'Lea',
    'Anna',
    'Lena',
    'Clara',
    'Lara',
    'Laura',
    'Johanna',
    'Katharina',
    'Julia',
    'Sabine',
    'Petra',
    'Ursula',
    'Monika',
    'Elif',
  ],
  male: [
    'Lukas',
    'Leon',
    'Finn',
    'Paul',
    'Jonas',
    'Felix',
    'Elias',
    'Maximilian',
    'Noah',
    'Ben',
    'Tim',
    'Jan',
    'Stefan',
    'Thomas',
    'Michael',
    'Andreas',
    'Jürgen',
    'Klaus',
    'Matthias',
    'Tobias',
    'Emre',
  ],
  last: [
    'Müller',
    'Schmidt',
    'Schneider',
    'Fischer',
    'Weber',
    'Meyer',
    'Wagner',
    'Becker',
    'Schulz',
    'Hoffmann',
    'Schäfer',
    'Koch',
    'Bauer',
    'Richter',
    'Klein',
    'Wolf',
    'Schröder',
    'Neumann',
    'Schwarz',
    'Zimmermann',
    'Braun',
    'Krüger',
    'Hofmann',
    'Hartmann',
    'Lange',
    'Yılmaz',
    'Kaya',
    'Nowak',
  ],
}

const FRENCH: NamePool = {
  female: [
    'Louise',
    'Alice',
    'Chloé',
    'Emma',
    'Inès',
    'Léa',
    'Manon',
    'Camille',
    'Jade',
    'Zoé',
    'Juliette',
    'Sarah',
    'Clémence',
    'Margaux',
    'Élodie',
    'Amélie',
    'Nathalie',
    'Isabelle',
    'Sophie',
    'Céline',
    'Yasmine',
  ],
  male: [
    'Gabriel',
    'Louis',
    'Raphaël',
    'Jules',
    'Adam',
    'Lucas',
    'Léo',
    'Hugo',
    'Arthur',
    'Nathan',
    'Théo',
    'Paul',
    'Antoine',
    'Nicolas',
    'Julien',
    'Mathieu',
    'Pierre',
    'François',
    'Thomas',
    'Maxime',
    'Karim',
  ],
  last: [
    'Martin',
    'Bernard',
    'Dubois',
    'Thomas',
    'Robert',
    'Richard',
    'Petit',
    'Durand',
    'Leroy',
    'Moreau',
    'Simon',
    'Laurent',
    'Lefebvre',
    'Michel',
    'Garcia',
    'David',
    'Bertrand',
    'Roux',
    'Vincent',
    'Fournier',
    'Morel',
    'Girard',
    'André',
    'Lefèvre',
    'Mercier',
    'Dupont',
    'Lambert',
    'Bonnet',
    'Benali',
    'Nguyen',
  ],
}

// Polish surnames agree with the bearer's gender: [male, female]
const POLISH_FIRST = {
  female: [
    'Zuzanna',
    'Julia',
    'Zofia',
    'Hanna',
    'Maja',
    'Lena',
    'Alicja',
    'Maria',
    'Amelia',
    'Oliwia',
    'Anna',
    'Katarzyna',
    'Małgorzata',
    'Agnieszka',
    'Magdalena',
    'Joanna',
    'Ewa',
    'Barbara',
    'Monika',
    'Natalia',
  ],
  male: [
    'Antoni',
    'Jan',
    'Aleksander',
    'Franciszek',
    'Jakub',
    'Szymon',
    'Filip',
    'Mikołaj',
    'Wojciech',
    'Kacper',
    'Piotr',
    'Krzysztof',
    'Andrzej',
    'Tomasz',
    'Paweł',
    'Michał',
    'Marcin',
    'Łukasz',
    'Grzegorz',
    'Marek',
  ],
}
const POLISH_LAST: readonly (readonly [string, string])[] = [
  ['Nowak', 'Nowak'],
  ['Kowalski', 'Kowalska'],
  ['Wiśniewski', 'Wiśniewska'],
  ['Wójcik', 'Wójcik'],
  ['Kowalczyk', 'Kowalczyk'],
  ['Kamiński', 'Kamińska'],
  ['Lewandowski', 'Lewandowska'],
  ['Zieliński', 'Zielińska'],
  ['Szymański', 'Szymańska'],
  ['Woźniak', 'Woźniak'],
  ['Dąbrowski', 'Dąbrowska'],
  ['Kozłowski', 'Kozłowska'],
  ['Jankowski', 'Jankowska'],
  ['Mazur', 'Mazur'],
  ['Kwiatkowski', 'Kwiatkowska'],
  ['Krawczyk', 'Krawczyk'],
  ['Piotrowski', 'Piotrowska'],
  ['Grabowski', 'Grabowska'],
  ['Pawłowski', 'Pawłowska'],
  ['Michalski', 'Michalska'],
  ['Zając', 'Zając'],
  ['Król', 'Król'],
]

type Person = { firstName: string; lastName: string; female: boolean }

function pickPerson(random: Random, pool: NamePool | 'PL'): Person {
  const female = random.chance(0.5)
  if (pool === 'PL') {
    const [male, fem] = random.pick(POLISH_LAST)
    return {
      firstName: random.pick(female ? POLISH_FIRST.female : POLISH_FIRST.male),
      lastName: female ? fem : male,
      female,
    }
  }
  return { firstName: random.pick(female ? pool.female : pool.male), lastName: random.pick(pool.last), female }
}

// a relative shares the family name, in the form that agrees with the relative's gender
function pickFamilyName(person: Person, relative: Person): string {
  const forms = POLISH_LAST.find(pair => pair.includes(person.lastName))
  return forms ? forms[relative.female ? 1 : 0] : person.lastName
}

type City = {
  city: string
  countryArea?: string
  postalCode: (random: Random) => string
  phone: (random: Random) => string
  names?: NamePool | 'PL'
  language?: string
  street?: (random: Random) => { streetAddress1: string; streetAddress2: string }
}

type CountryInfo = {
  weight: number
  language: string
  names: NamePool | 'PL'
  cities: readonly City[]
  street: (random: Random) => { streetAddress1: string; streetAddress2: string }
  companies: readonly string[]
}

const range = (from: number, to: number, width: number) => (random: Random) =>
  String(random.int(from, to)).padStart(width, '0')
const oneOf = (codes: readonly string[]) => (random: Random) => random.pick(codes)

// North America: NPA + the 555-0100…0199 block reserved for fiction
const nanp = (areaCodes: readonly string[]) => (random: Random) => `+1${random.pick(areaCodes)}55501${random.digits(2)}`

// Canada's postal code: forward sortation area, space, digit letter digit (never D F I O Q U)
const CA_LETTERS = 'ABCEGHJKLMNPRSTVWXYZ'
const caPostal = (areas: readonly string[]) => (random: Random) =>
  `${random.pick(areas)} ${random.int(0, 9)}${CA_LETTERS[random.int(0, CA_LETTERS.length - 1)]}${random.int(0, 9)}`

// UK postcode: outward code, space, digit and two letters (never C I K M O V)
const GB_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ'
const gbPostal = (outward: readonly string[]) => (random: Random) =>
  `${random.pick(outward)} ${random.int(1, 9)}${GB_LETTERS[random.int(0, GB_LETTERS.length - 1)]}${GB_LETTERS[random.int(0, GB_LETTERS.length - 1)]}`
// Ofcom's geographic drama numbers: London 020 7946 0000–0999, elsewhere 0AAA 496 0000–0999
const gbPhone = (areaCode: string) => (random: Random) =>
  areaCode === '20' ? `+442079460${random.digits(3)}` : `+44${areaCode}4960${random.digits(3)}`

// France: ARCEP's fiction blocks, one per region (01 99 00, 02 61 91, 03 53 01, 04 65 71, 05 36 49)
const frPhone = (block: '199 00' | '261 91' | '353 01' | '465 71' | '536 49') => (random: Random) =>
  `+33${block.replace(' ', '')}${random.digits(4)}`

// Germany: mobile 015x with 8 digits or 016x/017x with 7-8 digits
const dePhone = (random: Random) => {
  const prefix = random.pick([
    '151',
    '152',
    '157',
    '159',
    '160',
    '162',
    '170',
    '171',
    '172',
    '175',
    '176',
    '177',
    '178',
    '179',
  ])
  const length = ['160', '162', '170', '171', '172', '175'].includes(prefix) ? 7 : 8
  return `+49${prefix}${random.int(1, 9)}${random.digits(length - 1)}`
}

// Poland: nine-digit mobile numbers
const plPhone = (random: Random) =>
  `+48${random.pick(['50', '51', '53', '57', '60', '66', '69', '72', '73', '78', '79', '88'])}${random.digits(7)}`

const plPostal = (from: number, to: number) => (random: Random) => {
  const code = String(random.int(from, to)).padStart(5, '0')
  return `${code.slice(0, 2)}-${code.slice(2)}`
}

const US_STREETS = [
  'Maple',
  'Oak',
  'Pine',
  'Cedar',
  'Elm',
  'Washington',
  'Lincoln',
  'Park',
  'Lake',
  'Hill',
  'Sunset',
  'Madison',
  'Jefferson',
  'Highland',
  'Main',
  'Church',
  'Walnut',
  'Willow',
  'Franklin',
  'Riverside',
]
const US_SUFFIXES = ['Street', 'Avenue', 'Boulevard', 'Drive', 'Lane', 'Road', 'Court', 'Place', 'Way']
const GB_STREETS = [
  'High Street',
  'Station Road',
  'Church Lane',
  'Victoria Road',
  'Mill Lane',
  'Park Road',
  "Queen's Road",
  'Green Lane',
  'Kings Road',
  'Manor Road',
  'York Road',
  'Albert Street',
  'The Crescent',
  'Baker Street',
  'Chapel Street',
]
const DE_STREETS = [
  'Hauptstraße',
  'Bahnhofstraße',
  'Schillerstraße',
  'Goethestraße',
  'Gartenstraße',
  'Lindenstraße',
  'Bergstraße',
  'Friedrichstraße',
  'Kastanienallee',
  'Am Markt',
  'Mozartweg',
  'Schulstraße',
  'Waldstraße',
  'Ringstraße',
  'Birkenweg',
]
const FR_STREETS = [
  'rue de la République',
  'avenue Jean Jaurès',
  'boulevard Voltaire',
  'rue Victor Hugo',
  'rue de la Paix',
  'boulevard Gambetta',
  'rue du Général Leclerc',
  'rue Pasteur',
  'rue des Lilas',
  'avenue Foch',
  'place de la Mairie',
  'rue Nationale',
  'allée des Tilleuls',
  'quai de la Loire',
]
const QC_STREETS = [
  'rue Saint-Denis',
  'boulevard Saint-Laurent',
  'rue Sainte-Catherine Ouest',
  'avenue du Mont-Royal Est',
  'rue Sherbrooke Est',
  'rue Notre-Dame Ouest',
]
const PL_STREETS = [
  'ul. Marszałkowska',
  'ul. Długa',
  'ul. Polna',
  'ul. Kwiatowa',
  'ul. Lipowa',
  'ul. Słoneczna',
  'ul. Ogrodowa',
  'ul. Mickiewicza',
  'ul. Kościuszki',
  'ul. Sienkiewicza',
  'ul. Żeromskiego',
  'al. Jerozolimskie',
  'al. Niepodległości',
  'al. Solidarności',
]

const usStreet = (random: Random) => ({
  streetAddress1: `${random.int(1, 9899)} ${random.pick(US_STREETS)} ${random.pick(US_SUFFIXES)}`,
  streetAddress2: random.chance(0.3)
    ? random.pick([
        `Apt ${random.int(1, 24)}${random.pick(['A', 'B', 'C', 'D'])}`,
        `Unit ${random.int(1, 480)}`,
        `Suite ${random.int(1, 9)}${random.digits(2)}`,
      ])
    : '',
})
const caStreet = (random: Random) => ({
  streetAddress1: `${random.int(1, 4999)} ${random.pick(['Queen Street West', 'King Street East', 'Yonge Street', 'Bloor Street West', 'Main Street', 'Jasper Avenue', 'Granville Street', 'Robson Street', 'Portage Avenue', 'Barrington Street', 'Elgin Street', '17th Avenue SW'])}`,
  streetAddress2: random.chance(0.35) ? `Unit ${random.int(1, 35)}${random.digits(2)}` : '',
})
const qcStreet = (random: Random) => ({
  streetAddress1: `${random.int(1, 8999)} ${random.pick(QC_STREETS)}`,
  streetAddress2: random.chance(0.35) ? `App. ${random.int(1, 30)}${random.digits(1)}` : '',
})
const gbStreet = (random: Random) => ({
  streetAddress1: `${random.int(1, 240)} ${random.pick(GB_STREETS)}`,
  streetAddress2: random.chance(0.25) ? `Flat ${random.int(1, 40)}` : '',
})
const deStreet = (random: Random) => ({
  streetAddress1: `${random.pick(DE_STREETS)} ${random.int(1, 180)}${random.chance(0.15) ? random.pick(['a', 'b', 'c']) : ''}`,
  streetAddress2: random.chance(0.1) ? random.pick(['Hinterhaus', `${random.int(1, 5)}. OG`, 'Seitenflügel']) : '',
})
const frStreet = (random: Random) => ({
  streetAddress1: `${random.int(1, 180)}${random.chance(0.08) ? ' bis' : ''} ${random.pick(FR_STREETS)}`,
  streetAddress2: random.chance(0.25)
    ? random.pick([
        `Bâtiment ${random.pick(['A', 'B', 'C'])}`,
        `Appartement ${random.int(1, 60)}`,
        `Escalier ${random.pick(['1', '2', 'B'])}`,
      ])
    : '',
})
const plStreet = (random: Random) => ({
  streetAddress1: `${random.pick(PL_STREETS)} ${random.int(1, 150)}${random.chance(0.6) ? `/${random.int(1, 80)}` : ''}`,
  streetAddress2: '',
})

const COUNTRIES: Record<Country, CountryInfo> = {
  US: {
    weight: 30,
    language: 'en',
    names: ENGLISH_US,
    street: usStreet,
    companies: [
      'Acme Supply Co.',
      'Blue Ridge Outfitters LLC',
      'Harbor & Pine Inc.',
      'Summit Retail Group',
      'Lakeside Trading Co.',
    ],
    cities: [
      { city: 'New York', countryArea: 'NY', postalCode: range(10001, 10282, 5), phone: nanp(['212', '646', '917']) },
      { city: 'Brooklyn', countryArea: 'NY', postalCode: range(11201, 11256, 5), phone: nanp(['718', '347']) },
      {
        city: 'Los Angeles',
        countryArea: 'CA',
        postalCode: range(90001, 90089, 5),
        phone: nanp(['213', '323', '310']),
      },
      { city: 'San Francisco', countryArea: 'CA', postalCode: range(94102, 94134, 5), phone: nanp(['415', '628']) },
      { city: 'Chicago', countryArea: 'IL', postalCode: range(60601, 60661, 5), phone: nanp(['312', '773']) },
      { city: 'Houston', countryArea: 'TX', postalCode: range(77002, 77099, 5), phone: nanp(['713', '832']) },
      { city: 'Austin', countryArea: 'TX', postalCode: range(78701, 78759, 5), phone: nanp(['512', '737']) },
      { city: 'Seattle', countryArea: 'WA', postalCode: range(98101, 98199, 5), phone: nanp(['206']) },
      { city: 'Denver', countryArea: 'CO', postalCode: range(80202, 80239, 5), phone: nanp(['303', '720']) },
      { city: 'Boston', countryArea: 'MA', postalCode: range(2108, 2136, 5), phone: nanp(['617', '857']) },
      { city: 'Atlanta', countryArea: 'GA', postalCode: range(30303, 30350, 5), phone: nanp(['404', '470']) },
      { city: 'Miami', countryArea: 'FL', postalCode: range(33125, 33199, 5), phone: nanp(['305', '786']) },
      { city: 'Portland', countryArea: 'OR', postalCode: range(97201, 97239, 5), phone: nanp(['503', '971']) },
      { city: 'Phoenix', countryArea: 'AZ', postalCode: range(85003, 85054, 5), phone: nanp(['602', '480']) },
    ],
  },
  CA: {
    weight: 10,
    language: 'en',
    names: ENGLISH_US,
    street: caStreet,
    companies: ['Maple Leaf Traders Ltd.', 'Northern Lights Goods Inc.', 'True North Supply Co.'],
    cities: [
      {
        city: 'Toronto',
        countryArea: 'ON',
        postalCode: caPostal(['M5V', 'M4C', 'M6K', 'M5A', 'M4Y', 'M6J']),
        phone: nanp(['416', '647']),
      },
      {
        city: 'Vancouver',
        countryArea: 'BC',
        postalCode: caPostal(['V6B', 'V5K', 'V6K', 'V5T', 'V6E']),
        phone: nanp(['604', '778']),
      },
      {
        city: 'Montréal',
        countryArea: 'QC',
        postalCode: caPostal(['H2X', 'H3B', 'H2T', 'H2J', 'H4A']),
        phone: nanp(['514', '438']),
        names: FRENCH_CA,
        language: 'fr',
        street: qcStreet,
      },
      {
        city: 'Calgary',
        countryArea: 'AB',
        postalCode: caPostal(['T2P', 'T3A', 'T2R', 'T2S']),
        phone: nanp(['403', '587']),
      },
      {
        city: 'Ottawa',
        countryArea: 'ON',
        postalCode: caPostal(['K1P', 'K2P', 'K1N', 'K1S']),
        phone: nanp(['613', '343']),
      },
      { city: 'Edmonton', countryArea: 'AB', postalCode: caPostal(['T5J', 'T6E', 'T5K']), phone: nanp(['780']) },
      { city: 'Winnipeg', countryArea: 'MB', postalCode: caPostal(['R3C', 'R2M', 'R3M']), phone: nanp(['204']) },
      { city: 'Halifax', countryArea: 'NS', postalCode: caPostal(['B3H', 'B3K', 'B3J']), phone: nanp(['902']) },
    ],
  },
  GB: {
    weight: 15,
    language: 'en',
    names: ENGLISH_GB,
    street: gbStreet,
    companies: ['Thames Valley Trading Ltd', 'Pennine Goods Ltd', 'Harrow & Finch Ltd', 'Brightside Retail plc'],
    cities: [
      {
        city: 'London',
        postalCode: gbPostal(['EC1V', 'N1', 'NW3', 'SE1', 'SW11', 'W1T', 'E2', 'WC2H', 'SW1A', 'E14']),
        phone: gbPhone('20'),
      },
      { city: 'Manchester', postalCode: gbPostal(['M1', 'M4', 'M14', 'M20']), phone: gbPhone('161') },
      { city: 'Birmingham', postalCode: gbPostal(['B1', 'B5', 'B15', 'B29']), phone: gbPhone('121') },
      { city: 'Leeds', postalCode: gbPostal(['LS1', 'LS6', 'LS8']), phone: gbPhone('113') },
      { city: 'Glasgow', postalCode: gbPostal(['G1', 'G12', 'G41']), phone: gbPhone('141') },
      { city: 'Bristol', postalCode: gbPostal(['BS1', 'BS8', 'BS6']), phone: gbPhone('117') },
      { city: 'Edinburgh', postalCode: gbPostal(['EH1', 'EH3', 'EH9']), phone: gbPhone('131') },
      { city: 'Liverpool', postalCode: gbPostal(['L1', 'L8', 'L17']), phone: gbPhone('151') },
    ],
  },
  DE: {
    weight: 15,
    language: 'de',
    names: GERMAN,
    street: deStreet,
    companies: ['Müller & Söhne GmbH', 'Nordlicht Handels GmbH', 'Weber Logistik KG', 'Schwarzwald Waren AG'],
    cities: [
      { city: 'Berlin', postalCode: range(10115, 14199, 5), phone: dePhone },
      { city: 'Hamburg', postalCode: range(20095, 22769, 5), phone: dePhone },
      { city: 'München', postalCode: range(80331, 81929, 5), phone: dePhone },
      { city: 'Köln', postalCode: range(50667, 51149, 5), phone: dePhone },
      { city: 'Frankfurt am Main', postalCode: range(60306, 60599, 5), phone: dePhone },
      { city: 'Stuttgart', postalCode: range(70173, 70629, 5), phone: dePhone },
      { city: 'Düsseldorf', postalCode: range(40210, 40629, 5), phone: dePhone },
      { city: 'Leipzig', postalCode: range(4103, 4357, 5), phone: dePhone },
      { city: 'Dresden', postalCode: range(1067, 1328, 5), phone: dePhone },
    ],
  },
  FR: {
    weight: 15,
    language: 'fr',
    names: FRENCH,
    street: frStreet,
    companies: ['Boulangerie Dupont SARL', 'Atelier Lumière SAS', 'Maison Bernard & Fils', 'Provence Distribution SA'],
    cities: [
      { city: 'Paris', postalCode: range(75001, 75020, 5), phone: frPhone('199 00') },
      { city: 'Lyon', postalCode: range(69001, 69009, 5), phone: frPhone('465 71') },
      { city: 'Marseille', postalCode: range(13001, 13016, 5), phone: frPhone('465 71') },
      {
        city: 'Toulouse',
        postalCode: oneOf(['31000', '31100', '31200', '31300', '31400', '31500']),
        phone: frPhone('536 49'),
      },
      { city: 'Nice', postalCode: oneOf(['06000', '06100', '06200', '06300']), phone: frPhone('465 71') },
      { city: 'Nantes', postalCode: oneOf(['44000', '44100', '44200', '44300']), phone: frPhone('261 91') },
      { city: 'Bordeaux', postalCode: oneOf(['33000', '33100', '33200', '33300', '33800']), phone: frPhone('536 49') },
      { city: 'Lille', postalCode: oneOf(['59000', '59160', '59260', '59777', '59800']), phone: frPhone('353 01') },
      { city: 'Strasbourg', postalCode: oneOf(['67000', '67100', '67200']), phone: frPhone('353 01') },
    ],
  },
  PL: {
    weight: 15,
    language: 'pl',
    names: 'PL',
    street: plStreet,
    companies: [
      'Kowalski i Wspólnicy Sp. z o.o.',
      'Bałtyk Handel Sp. z o.o.',
      'Mazowsze Dystrybucja S.A.',
      'Nowak Logistyka Sp.j.',
    ],
    cities: [
      { city: 'Warszawa', postalCode: plPostal(1, 4999), phone: plPhone },
      { city: 'Kraków', postalCode: plPostal(30001, 31999), phone: plPhone },
      { city: 'Wrocław', postalCode: plPostal(50001, 54999), phone: plPhone },
      { city: 'Poznań', postalCode: plPostal(60001, 61999), phone: plPhone },
      { city: 'Gdańsk', postalCode: plPostal(80001, 80999), phone: plPhone },
      { city: 'Łódź', postalCode: plPostal(90001, 94999), phone: plPhone },
      { city: 'Katowice', postalCode: plPostal(40001, 40999), phone: plPhone },
      { city: 'Lublin', postalCode: plPostal(20001, 20999), phone: plPhone },
    ],
  },
}

const COUNTRY_CODES = Object.keys(COUNTRIES) as Country[]
const TOTAL_WEIGHT = COUNTRY_CODES.reduce((sum, code) => sum + COUNTRIES[code].weight, 0)

function pickCountry(random: Random): Country {
  let roll = random.next() * TOTAL_WEIGHT
  for (const code of COUNTRY_CODES) {
    roll -= COUNTRIES[code].weight
    if (roll < 0) return code
  }
  return 'US'
}

function makeAddress(random: Random, country: Country, person: Person, companyName = '', city?: City): DemoAddress {
  const info = COUNTRIES[country]
  const place = city ?? random.pick(info.cities)
  const street = (place.street ?? info.street)(random)
  return {
    firstName: person.firstName,
    lastName: person.lastName,
    companyName,
    streetAddress1: street.streetAddress1,
    streetAddress2: street.streetAddress2,
    // as address validation stores it (Saleor's, after Google's address data)
    city: place.city.toLocaleUpperCase('en'),
    cityArea: '',
    postalCode: place.postalCode(random),
    country,
    countryArea: place.countryArea ?? '',
    phone: place.phone(random),
  }
}

const DAY_MS = 24 * 60 * 60 * 1000
const TWO_YEARS_MS = 730 * DAY_MS

/**
 * The demo customer with this index (1-based), as of `now`: the same index always gives the same
 * person and addresses; only dates are relative to `now` (joined within the two years before it).
 */
export function makeDemoCustomer(index: number, now: Date): DemoCustomer {
  if (!Number.isInteger(index) || index < 1)
    throw new RangeError(`a demo customer index is a positive integer, got ${index}`)
  const random = new Random(index)
  const country = pickCountry(random)
  const info = COUNTRIES[country]
  const home = random.pick(info.cities)
  const person = pickPerson(random, home.names ?? info.names)

  const groups: string[] = []
  const wholesale = random.chance(0.04)
  if (random.chance(0.06)) groups.push('VIP')
  if (wholesale) groups.push('Wholesale')
  if (random.chance(0.35)) groups.push('Newsletter')

  const first = makeAddress(random, country, person, wholesale ? random.pick(info.companies) : '', home)
  const addresses = [first]
  let defaultBilling = 0
  if (random.chance(0.35)) {
    const kind = random.next()
    if (kind < 0.45) {
      // an office address, often where the invoices should go
      addresses.push(makeAddress(random, country, person, random.pick(info.companies)))
      if (random.chance(0.6)) defaultBilling = 1
    } else if (kind < 0.8) {
      // a relative's or a friend's address for gifts, in the same country
      const recipient = pickPerson(random, info.names)
      if (random.chance(0.5)) recipient.lastName = pickFamilyName(person, recipient)
      addresses.push(makeAddress(random, country, recipient))
    } else {
      // a second home abroad
      const abroad = COUNTRY_CODES.filter(code => code !== country)
      addresses.push(makeAddress(random, random.pick(abroad), person))
      if (random.chance(0.3)) defaultBilling = 1
    }
  }

  const joinedAgo = Math.floor(random.next() * TWO_YEARS_MS)
  const dateJoined = new Date(now.getTime() - joinedAgo)
  const lastLogin = random.chance(0.75) ? new Date(dateJoined.getTime() + Math.floor(random.next() * joinedAgo)) : null

  return {
    index,
    email: formatDemoCustomerEmail(index),
    firstName: person.firstName,
    lastName: person.lastName,
    name: `${person.firstName} ${person.lastName}`,
    languageCode: home.language ?? info.language,
    phone: random.chance(0.6) ? first.phone : '',
    dateJoined,
    lastLogin,
    addresses,
    defaultShipping: 0,
    defaultBilling,
    groups,
  }
}
