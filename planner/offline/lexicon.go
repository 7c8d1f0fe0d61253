package offline

// This file holds the offline planner's built-in language tables. They are
// general retail English (plus a few Chinese words); the catalog's own words
// come from the request's Vocabulary at run time, and every table entry that
// names an attribute value is used only when the world's vocabulary has that
// value.

// kv is one attribute key=value pair.
type kv struct{ key, val string }

// nounEntry maps a product word to a category, with attributes the word
// implies ("water bill" → utility=water).
type nounEntry struct {
	cat     string
	implied []kv
	amb     []string // several categories, none dominant: context or a question settles it
	weak    bool     // only a word of titles' names, never a title's head
}

// ambiguity is one reading of a product word the catalog uses in several
// categories: what the clarification offers, the category it resolves to
// and the words (squashed) only that category's catalog uses, which
// settle it without asking.
type ambiguity struct {
	label   string
	cat     string
	context map[string]bool
}

var letterToWord = map[string]string{"s": "small", "m": "medium", "l": "large"}
var wordToLetter = map[string]string{"small": "s", "medium": "m", "large": "l", "extra large": "xl", "extra small": "xs"}

// valueAliases are other ways to write a value word: a request word on
// the left matches, under any key, a catalog value spelled as one on the
// right. Language only: no key is named.
var valueAliases = map[string][]string{
	"grey": {"gray"}, "gray": {"grey"}, "big": {"large"}, "extra large": {"xl"}, "x-large": {"xl"},
	"xlarge": {"xl"}, "extra small": {"xs"}, "x-small": {"xs"}, "soya": {"soy"}, "soymilk": {"soy"},
	"skimmed": {"skim"}, "nonfat": {"skim"}, "non-fat": {"skim"}, "full fat": {"whole"}, "full-fat": {"whole"},
	"full cream": {"whole"}, "ice": {"iced"}, "on ice": {"iced"}, "cold": {"iced"}, "warm": {"hot"},
	"rainproof": {"waterproof"}, "water-resistant": {"waterproof"},
	"water resistant": {"waterproof"}, "lemony": {"lemon"}, "fragrance-free": {"unscented", "fragrance free", "fragrance-free"},
	"fragrance free": {"unscented", "fragrance free", "fragrance-free"}, "scent-free": {"unscented"},
	"unscented": {"fragrance free", "fragrance-free"}, "cordless": {"cordless", "battery", "wireless"},
	"colour": {"color"}, "grande": {"large"}, "venti": {"large"}, "tall": {"small"}, "aluminium": {"aluminum"}, "aluminum": {"aluminium"}, "decaffeinated": {"decaf"},
}

// amountWords read "<word> <key>" as a value of that key: "no sugar" is
// the key's "none" (or "no", "0", "free"), "less sugar" its "less".
var amountWords = map[string][]string{
	"no": {"none", "no", "0", "zero", "free", "0%"}, "zero": {"none", "zero", "0", "no", "free"},
	"without": {"none", "no", "0"}, "unsweetened": {"none"}, "less": {"less", "low", "light", "half"},
	"low": {"low", "less", "light"}, "half": {"half", "less"}, "light": {"light", "less", "low"},
	"extra": {"extra", "more", "double"}, "more": {"more", "extra"}, "full": {"regular", "full", "normal"},
	"regular": {"regular", "normal", "standard"}, "normal": {"regular", "normal"},
}

// unitSynonyms lets "65 watts" match the catalog value "65w".
var unitSynonyms = map[string][]string{
	"w":   {"watt", "watts"},
	"mah": {"mah"},
	"m":   {"meter", "meters", "metre", "metres"},
	"cm":  {"centimeter", "centimeters", "centimetre", "centimetres"},
	"l":   {"liter", "liters", "litre", "litres"},
	"ml":  {"milliliter", "milliliters", "millilitre", "millilitres"},
	"g":   {"gram", "grams"},
	"kg":  {"kilo", "kilos", "kilogram", "kilograms"},
	"gb":  {"gig", "gigs"},
}

// plantMilks are the milks that contain no dairy; nutMilks contain nuts.
var plantMilks = map[string]bool{"oat": true, "soy": true, "soya": true, "almond": true, "coconut": true,
	"rice": true, "cashew": true, "pea": true, "hemp": true, "macadamia": true, "none": true, "no": true}
var nutMilks = map[string]bool{"almond": true, "cashew": true, "hazelnut": true, "macadamia": true,
	"walnut": true, "pistachio": true, "peanut": true}

// nutTerms are title words that reveal nuts even without a nuts attribute.
var nutTerms = []string{"almond", "almonds", "cashew", "cashews", "hazelnut", "hazelnuts", "peanut",
	"peanuts", "walnut", "walnuts", "pecan", "pecans", "pistachio", "pistachios", "macadamia", "nut", "nuts"}

// yesValues and noValues recognise boolean attribute values.
var yesValues = map[string]bool{"yes": true, "true": true, "y": true, "contains": true}
var noValues = map[string]bool{"no": true, "false": true, "n": true, "free": true}

// noneValues are how catalogs spell "none of it" (sugar=none).
var noneValues = []string{"none", "no", "zero", "0", "free", "0%"}

// allergenKeys name boolean keys whose bare mention is not a request for
// the thing ("dairy" in a request rarely means "with dairy, please").
var allergenKeys = map[string]bool{"dairy": true, "gluten": true, "nuts": true, "lactose": true}

// diet words: what a negative or free-from word excludes.
const (
	dietDairy  = "dairy"
	dietNuts   = "nuts"
	dietGluten = "gluten"
	dietSugar  = "sugar"
)

// dietWords maps a word to the diet restriction it names.
var dietWords = map[string]string{
	"dairy": dietDairy, "lactose": dietDairy, "milk": dietDairy, "cow's milk": dietDairy,
	"nut": dietNuts, "nuts": dietNuts, "peanut": dietNuts, "peanuts": dietNuts, "tree nuts": dietNuts,
	"tree nut": dietNuts, "almond": dietNuts, "almonds": dietNuts,
	"gluten": dietGluten, "wheat": dietGluten,
	"sugar": dietSugar,
}

// freeFrom maps "x-free" words to diets.
var freeFrom = map[string]string{
	"dairyfree": dietDairy, "nondairy": dietDairy, "lactosefree": dietDairy, "vegan": dietDairy,
	"plantbased": dietDairy, "nutfree": dietNuts, "peanutfree": dietNuts, "glutenfree": dietGluten,
	"gf": dietGluten, "coeliacsafe": dietGluten, "celiacsafe": dietGluten,
}

// numberWords are spelled-out counts.
var numberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
	"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
}

// aFew is how many "a few" means. It is recorded as a note on the item.
const aFew = 3

// pairedGoods come as a pair: "a pair of socks" is one item, "a pair of
// lattes" is two.
var pairedGoods = map[string]bool{"sock": true, "socks": true, "glove": true, "gloves": true, "shoe": true,
	"shoes": true, "jean": true, "jeans": true, "trouser": true, "trousers": true, "pant": true, "pants": true,
	"short": true, "shorts": true, "earbud": true, "earbuds": true, "headphone": true, "headphones": true,
	"earphone": true, "earphones": true, "boot": true, "boots": true, "sneaker": true, "sneakers": true,
	"mitten": true, "mittens": true, "legging": true, "leggings": true, "glasses": true, "sunglasses": true,
	"tights": true}

// currencyWords maps words and symbols to currencies. "$" and "dollars"
// follow the world when it uses a dollar, else they mean USD; "¥" follows
// the world when it uses yen, else it means CNY.
var currencyWords = map[string]string{
	"yuan": "CNY", "rmb": "CNY", "cny": "CNY", "元": "CNY", "块": "CNY", "kuai": "CNY", "renminbi": "CNY",
	"¥": "¥", "￥": "¥",
	"$": "$", "dollar": "$", "dollars": "$", "bucks": "$", "buck": "$",
	"usd": "USD", "us$": "USD",
	"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
	"£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "quid": "GBP",
	"jpy": "JPY", "yen": "JPY", "円": "JPY",
	"krw": "KRW", "won": "KRW", "₩": "KRW",
	"hkd": "HKD", "hk$": "HKD", "sgd": "SGD", "s$": "SGD",
	"₱": "PHP", "php": "PHP", "peso": "peso", "pesos": "peso", "₹": "INR", "inr": "INR", "rupee": "INR", "rupees": "INR",
	"₫": "VND", "dong": "VND", "฿": "THB", "baht": "THB", "₪": "ILS", "shekel": "ILS", "shekels": "ILS",
	"₦": "NGN", "naira": "NGN", "₴": "UAH", "₺": "TRY", "lira": "TRY", "₽": "RUB", "rubles": "RUB", "roubles": "RUB",
	"aud": "AUD", "cad": "CAD", "nzd": "NZD", "twd": "TWD", "mxn": "MXN", "brl": "BRL", "ringgit": "MYR", "myr": "MYR",
	"rupiah": "IDR", "idr": "IDR", "thb": "THB", "vnd": "VND", "chf": "CHF", "francs": "CHF", "zloty": "PLN", "pln": "PLN",
}

// stopwords carry no product meaning.
var stopwords = map[string]bool{}

func init() {
	for _, w := range []string{"a", "an", "the", "me", "my", "mine", "i", "i'd", "i'm", "im", "id", "we", "us", "our",
		"you", "your", "please", "pls", "plz", "kindly", "get", "buy", "order", "want", "wanna", "need", "needs",
		"would", "like", "love", "to", "for", "of", "can", "could", "grab", "pick", "find", "purchase", "shop",
		"send", "deliver", "delivered", "delivery", "bring", "ship", "shipped", "it", "them", "that", "this",
		"these", "those", "is", "are", "be", "in", "on", "just", "also", "thanks", "thank", "hey", "hi",
		"hello", "ok", "okay", "too", "as", "well", "really", "very", "so", "do", "does", "have", "has", "got",
		"make", "sure", "let", "let's", "go", "cup", "cups", "bottle", "bottles", "box", "boxes", "piece",
		"pieces", "pcs", "pc", "unit", "units", "bag", "bags", "packet", "packets", "packs", "some", "any",
		"with", "and", "or", "plus", "either", "one", "ones", "kind", "sort", "type", "quick", "today's",
		"right", "now", "tomorrow", "at", "by", "from", "via", "up", "each", "all", "both", "every",
		"also", "then", "again", "more", "another", "new", "fresh", "good", "nice", "great", "decent",
		"cheap", "quality", "pair", "pairs", "couple", "few", "lot", "lots", "dozen", "half", "extra",
		"x", "times", "total", "just", "only", "our", "their", "his", "her", "which", "what", "there", "here",
		"if", "possible", "ideally", "preferably", "maybe", "perhaps", "should", "will", "shall", "am",
		"was", "were", "been", "being", "about", "around", "roughly", "approximately", "use", "using",
		"size", "sized", "colour", "color", "flavor", "flavour", "version", "model", "variant", "brand",
		"store", "shop", "shops", "stores", "merchant", "place", "than", "but", "than", "same", "usual",
		"regular", "normal", "standard", "own", "brewed", "yes", "no", "not", "don't", "dont",
		"without", "except", "never", "non", "free", "own", "asap", "something", "anything", "stuff",
		"whatever", "thing", "things", "item", "items", "pay", "settle", "prefer", "preferred", "rather", "instead", "must",
		"cute", "pretty", "fancy", "cool", "best", "top", "ever", "much", "many", "same", "other",
		"carton", "cartons", "nothing", "replace", "replacement", "last", "time", "bought", "ordered", "previously", "got", "had", "loved", "liked",
		"enjoyed", "usually", "cans", "jar", "jars", "tin", "tins", "loaf", "loaves", "bunch", "bunches",
		"tray", "trays", "priced", "price", "prices", "costing", "costs", "cost", "一个", "一杯", "杯", "个", "请", "帮我", "买", "要", "的", "我", "和"} {
		stopwords[w] = true
	}
}

// vagueWords name no product: a request made only of them is clarified.
var vagueWords = map[string]bool{"something": true, "anything": true, "stuff": true, "thing": true,
	"things": true, "whatever": true, "gift": true, "present": true, "surprise": true, "item": true,
	"items": true, "usual": true, "stuffs": true}

// descriptors are judgement words: never products, kept as Fit text.
var descriptors = map[string]bool{"nice": true, "good": true, "great": true, "cute": true, "pretty": true,
	"fancy": true, "cool": true, "decent": true, "quality": true, "lovely": true, "stylish": true,
	"comfortable": true, "comfy": true, "durable": true, "sturdy": true, "healthy": true, "tasty": true,
	"delicious": true, "premium": true, "cheap": true, "affordable": true, "simple": true, "plain": true,
	"classic": true, "original": true, "fresh": true, "warm": true, "double": true, "triple": true,
	"skinny": true, "favourite": true, "favorite": true, "usual": true, "little": true, "small-ish": true,
	"bottled": true, "proper": true, "real": true, "good-quality": true, "high-quality": true, "budget": true,
	"spare": true, "everyday": true, "daily": true, "basic": true, "half-price": true, "discounted": true,
	"women's": true, "womens": true, "men's": true, "mens": true, "unisex": true, "ladies": true, "baked": true,
	"normal": true, "standard": true, "generic": true}

// placeWords are delivery destinations a profile memory may hold, with the
// words that name the same place.
var placeWords = map[string][]string{
	"office": {"office", "work", "workplace", "desk", "company", "公司"},
	"home":   {"home", "house", "apartment", "flat", "place", "家"},
	"school": {"school", "campus", "dorm", "university", "college"},
	"gym":    {"gym"},
}

// placeOf resolves a word to its place label.
func placeOf(w string) string {
	for label, ws := range placeWords {
		for _, x := range ws {
			if x == w {
				return label
			}
		}
	}
	return ""
}
