package gen

import (
	"math/rand/v2"
	"strings"
)

// attr is one attribute key of a category with the values its catalog uses.
type attr struct {
	Key    string
	Values []string
	// Word is how a person names the key after a value ("with a matte
	// finish"); empty: the value is said alone.
	Word string
	// Fit marks a dimension that decides whether the thing fits the person
	// (size, device model, bulb fitting): left unsaid, a shop assistant asks.
	Fit bool
}

// measure is a numeric attribute written with a unit.
type measure struct {
	Key    string
	Unit   unit
	Values []int
}

// family is a domain: one category of products with its attribute schema,
// measures, brands and the neighbouring categories whose words collide
// with it. Real-word families use everyday words that mean something else
// in another catalog; invented families are built from nonsense syllables
// for every run of the generator.
type family struct {
	Name     string
	Invented bool
	Category string
	Noun     string // singular, lower case
	Plural   string
	Mass     bool   // a mass noun ("detergent"): counted by Container
	Unit     string // what one item is sold as ("bottle", "bag", "box")
	Attrs    []attr
	Measure  *measure
	Count    *measure // items per pack (unit uCount)
	Brands   []string
	Others   []other
	BaseUSD  int64 // a typical price in US cents
}

// other is a neighbouring category sold in the same world.
type other struct {
	Category string
	Noun     string
	Attrs    []attr
}

// families are the real-word domain families; invented ones are made by
// inventedFamily.
var families = []family{
	{
		Name: "cookware", Category: "cookware", Noun: "saucepan", Plural: "saucepans",
		Attrs: []attr{
			{Key: "hob", Values: []string{"induction", "gas", "ceramic"}, Word: "hob"},
			{Key: "finish", Values: []string{"stainless", "nonstick", "enamel"}, Word: "finish"},
			{Key: "colour", Values: []string{"black", "red", "cream"}},
		},
		Measure: &measure{Key: "capacity", Unit: uQuart, Values: []int{1, 2, 3, 4}},
		Brands:  []string{"Lodgeworth", "Cuisinel", "Tramonta", "Hearthly"},
		Others: []other{
			{Category: "lids", Noun: "pan cover", Attrs: []attr{{Key: "size", Values: []string{"large", "medium"}}, {Key: "finish", Values: []string{"glass", "stainless"}}}},
			{Category: "trivets", Noun: "pot stand", Attrs: []attr{{Key: "material", Values: []string{"cork", "silicone"}}}},
		},
		BaseUSD: 3800,
	},
	{
		Name: "phone-cases", Category: "phone accessories", Noun: "case", Plural: "cases",
		Attrs: []attr{
			{Key: "model", Values: []string{"iphone 15", "pixel 8", "galaxy s24"}, Fit: true},
			{Key: "colour", Values: []string{"black", "clear", "red", "navy"}},
			{Key: "finish", Values: []string{"matte", "gloss"}, Word: "finish"},
		},
		Brands: []string{"Spigenic", "Otterline", "Casemint"},
		Others: []other{
			{Category: "screen protectors", Noun: "screen protector", Attrs: []attr{{Key: "model", Values: []string{"iphone 15", "pixel 8"}}, {Key: "pack", Values: []string{"2 pack", "3 pack"}}}},
			{Category: "luggage", Noun: "cabin case", Attrs: []attr{{Key: "colour", Values: []string{"black", "navy"}}}},
		},
		BaseUSD: 1900,
	},
	{
		Name: "drinks", Category: "beverages", Noun: "sparkling water", Plural: "sparkling waters", Mass: true, Unit: "case",
		Attrs: []attr{
			{Key: "flavour", Values: []string{"lime", "lemon", "plain", "berry"}},
			{Key: "packaging", Values: []string{"can", "glass bottle"}},
		},
		Measure: &measure{Key: "volume", Unit: uML, Values: []int{250, 330, 500, 750}},
		Count:   &measure{Key: "pack", Unit: uCount, Values: []int{6, 12, 24}},
		Brands:  []string{"Perrella", "Fizzwell", "Clearbrook"},
		Others: []other{
			{Category: "carry cases", Noun: "bottle carry case", Attrs: []attr{{Key: "size", Values: []string{"large", "small"}}}},
			{Category: "phone accessories", Noun: "phone case", Attrs: []attr{{Key: "colour", Values: []string{"lime", "clear"}}}},
		},
		BaseUSD: 1200,
	},
	{
		Name: "bedding", Category: "duvet covers", Noun: "duvet cover", Plural: "duvet covers",
		Attrs: []attr{
			{Key: "size", Values: []string{"single", "double", "king"}, Fit: true},
			{Key: "material", Values: []string{"cotton", "linen", "bamboo"}},
			{Key: "colour", Values: []string{"white", "grey", "navy", "sage"}},
		},
		Brands: []string{"Dormira", "Linenhaus", "Sleepcraft"},
		Others: []other{
			{Category: "sheet sets", Noun: "sheet set", Attrs: []attr{{Key: "size", Values: []string{"king", "double"}}, {Key: "colour", Values: []string{"white", "grey"}}}},
			{Category: "cushion covers", Noun: "cushion cover", Attrs: []attr{{Key: "size", Values: []string{"large", "small"}}}},
		},
		BaseUSD: 5400,
	},
	{
		Name: "lighting", Category: "light bulbs", Noun: "bulb", Plural: "bulbs",
		Attrs: []attr{
			{Key: "fitting", Values: []string{"E27", "B22", "GU10"}, Fit: true, Word: "fitting"},
			{Key: "tone", Values: []string{"warm white", "cool white", "daylight"}},
			{Key: "dimmable", Values: []string{"dimmable", "non-dimmable"}},
		},
		Measure: &measure{Key: "power", Unit: uWatt, Values: []int{5, 7, 9, 12}},
		Count:   &measure{Key: "pack", Unit: uCount, Values: []int{2, 4, 6}},
		Brands:  []string{"Lumora", "Brightwell", "Phaelix"},
		Others: []other{
			{Category: "lamps", Noun: "desk light", Attrs: []attr{{Key: "colour", Values: []string{"white", "black"}}, {Key: "size", Values: []string{"large", "small"}}}},
		},
		BaseUSD: 1400,
	},
	{
		Name: "power", Category: "power banks", Noun: "power bank", Plural: "power banks",
		Attrs: []attr{
			{Key: "colour", Values: []string{"black", "white", "blue"}},
			{Key: "port", Values: []string{"usb-c", "lightning", "micro-usb"}, Word: "port"},
		},
		Measure: &measure{Key: "capacity", Unit: uMAh, Values: []int{5000, 10000, 20000, 30000}},
		Brands:  []string{"Voltaic", "Ankora", "Chargemate"},
		Others: []other{
			{Category: "cables", Noun: "charging cable", Attrs: []attr{{Key: "port", Values: []string{"usb-c", "lightning"}}, {Key: "colour", Values: []string{"black", "white"}}}},
			{Category: "chargers", Noun: "wall charger", Attrs: []attr{{Key: "colour", Values: []string{"white", "black"}}}},
		},
		BaseUSD: 3200,
	},
	{
		Name: "pharmacy", Category: "pain relief", Noun: "ibuprofen", Plural: "ibuprofen", Mass: true, Unit: "bottle",
		Attrs: []attr{
			{Key: "form", Values: []string{"tablets", "capsules", "liquid gels"}},
			{Key: "coating", Values: []string{"film-coated", "uncoated"}},
		},
		Measure: &measure{Key: "strength", Unit: uMg, Values: []int{200, 400}},
		Count:   &measure{Key: "count", Unit: uCount, Values: []int{24, 50, 100, 200}},
		Brands:  []string{"Medwell", "Nurofine", "Caretta"},
		Others: []other{
			{Category: "first aid", Noun: "plaster pack", Attrs: []attr{{Key: "size", Values: []string{"large", "assorted"}}}},
		},
		BaseUSD: 900,
	},
	{
		Name: "stationery", Category: "colored pencils", Noun: "colored pencil set", Plural: "colored pencil sets",
		Attrs: []attr{
			{Key: "type", Values: []string{"watercolor", "oil-based", "wax-based"}},
			{Key: "case", Values: []string{"tin", "cardboard", "roll-up"}, Word: "case"},
		},
		Count:  &measure{Key: "count", Unit: uCount, Values: []int{12, 24, 36, 72}},
		Brands: []string{"Faberly", "Prismo", "Derwick"},
		Others: []other{
			{Category: "pencil cases", Noun: "pencil case", Attrs: []attr{{Key: "size", Values: []string{"large", "small"}}}},
			{Category: "sketchbooks", Noun: "sketchbook set", Attrs: []attr{{Key: "size", Values: []string{"a4", "a5"}}}},
		},
		BaseUSD: 2200,
	},
	{
		Name: "footwear", Category: "sneakers", Noun: "sneakers", Plural: "sneakers", Mass: true, Unit: "pair",
		Attrs: []attr{
			{Key: "colour", Values: []string{"white", "black", "grey"}},
			{Key: "width", Values: []string{"regular", "wide"}, Word: "fit"},
		},
		Measure: &measure{Key: "size", Unit: uEUSize, Values: []int{38, 40, 42, 44}},
		Brands:  []string{"Stridon", "Kickwell", "Veloce"},
		Others: []other{
			{Category: "socks", Noun: "sock pack", Attrs: []attr{{Key: "size", Values: []string{"m", "l"}}, {Key: "colour", Values: []string{"white", "black"}}}},
			{Category: "shoe care", Noun: "sneaker cleaner set", Attrs: []attr{{Key: "size", Values: []string{"large", "travel"}}}},
		},
		BaseUSD: 6500,
	},
	{
		Name: "hardware", Category: "pipe fittings", Noun: "elbow fitting", Plural: "elbow fittings",
		Attrs: []attr{
			{Key: "material", Values: []string{"brass", "copper", "pvc"}},
			{Key: "angle", Values: []string{"90 degree", "45 degree"}},
			{Key: "end", Values: []string{"threaded", "push-fit", "solder"}, Word: "ends"},
		},
		Measure: &measure{Key: "diameter", Unit: uQtrInch, Values: []int{2, 3, 4, 6}},
		Brands:  []string{"Pipeline Pro", "Fittwell", "Brassco"},
		Others: []other{
			{Category: "pipe", Noun: "copper pipe", Attrs: []attr{{Key: "length", Values: []string{"1 m", "3 m"}}}},
		},
		BaseUSD: 700,
	},
	{
		Name: "petfood", Category: "dog food", Noun: "dry dog food", Plural: "dry dog food", Mass: true, Unit: "bag",
		Attrs: []attr{
			{Key: "flavour", Values: []string{"chicken", "salmon", "lamb"}},
			{Key: "life stage", Values: []string{"puppy", "adult", "senior"}},
			{Key: "grain", Values: []string{"grain-free", "with grain"}},
		},
		Measure: &measure{Key: "weight", Unit: uGram, Values: []int{2000, 5000, 12000}},
		Brands:  []string{"Barkley", "Nutripaw", "Houndsworth"},
		Others: []other{
			{Category: "dog treats", Noun: "dog treat pack", Attrs: []attr{{Key: "flavour", Values: []string{"chicken", "beef"}}}},
			{Category: "pet beds", Noun: "dog bed", Attrs: []attr{{Key: "size", Values: []string{"large", "medium"}}}},
		},
		BaseUSD: 3100,
	},
	{
		Name: "laundry", Category: "laundry detergent", Noun: "detergent", Plural: "detergent", Mass: true, Unit: "bottle",
		Attrs: []attr{
			{Key: "scent", Values: []string{"fragrance-free", "lavender", "fresh linen", "scented"}},
			{Key: "form", Values: []string{"liquid", "pods", "powder"}},
		},
		Measure: &measure{Key: "volume", Unit: uML, Values: []int{1000, 1500, 2000, 3000}},
		Brands:  []string{"Purelle", "Washwise", "Tidemark"},
		Others: []other{
			{Category: "fabric softener", Noun: "fabric softener", Attrs: []attr{{Key: "scent", Values: []string{"lavender", "fresh linen"}}}},
		},
		BaseUSD: 1300,
	},
	{
		Name: "luggage", Category: "suitcases", Noun: "suitcase", Plural: "suitcases",
		Attrs: []attr{
			{Key: "size", Values: []string{"cabin", "medium", "large"}, Fit: true},
			{Key: "shell", Values: []string{"hard", "soft"}, Word: "shell"},
			{Key: "colour", Values: []string{"black", "navy", "silver"}},
		},
		Measure: &measure{Key: "height", Unit: uCM, Values: []int{55, 68, 76}},
		Brands:  []string{"Roamwell", "Samsonic", "Travelux"},
		Others: []other{
			{Category: "luggage covers", Noun: "suitcase cover", Attrs: []attr{{Key: "size", Values: []string{"large", "medium"}}}},
			{Category: "packing cubes", Noun: "packing cube set", Attrs: []attr{{Key: "size", Values: []string{"large", "small"}}}},
		},
		BaseUSD: 9800,
	},
	{
		Name: "cosmetics", Category: "eyeliner", Noun: "eyeliner", Plural: "eyeliners",
		Attrs: []attr{
			{Key: "formula", Values: []string{"waterproof", "smudge-proof", "regular"}},
			{Key: "shade", Values: []string{"black", "brown", "navy"}, Word: "shade"},
			{Key: "type", Values: []string{"pencil", "liquid", "gel"}},
		},
		Brands: []string{"Lumiere", "Glossa", "Maybelle"},
		Others: []other{
			{Category: "makeup bags", Noun: "makeup case", Attrs: []attr{{Key: "size", Values: []string{"large", "small"}}, {Key: "colour", Values: []string{"black", "brown"}}}},
		},
		BaseUSD: 1100,
	},
	{
		Name: "monitors", Category: "monitors", Noun: "monitor", Plural: "monitors",
		Attrs: []attr{
			{Key: "panel", Values: []string{"ips", "va", "oled"}, Word: "panel"},
			{Key: "resolution", Values: []string{"1080p", "1440p", "4k"}},
		},
		Measure: &measure{Key: "screen", Unit: uInch, Values: []int{24, 27, 32}},
		Brands:  []string{"Viewtek", "Pixelon", "Acuro"},
		Others: []other{
			{Category: "monitor arms", Noun: "monitor arm", Attrs: []attr{{Key: "size", Values: []string{"single", "dual"}}}},
			{Category: "screen covers", Noun: "screen cover", Attrs: []attr{{Key: "size", Values: []string{"27 in", "32 in"}}}},
		},
		BaseUSD: 21000,
	},
}

// syllables build invented words: onsets, vowels and codas that read as
// pronounceable nonsense in any language.
var (
	onsets = []string{"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "gl", "kr", "pl", "sn", "tr", "zh"}
	vowels = []string{"a", "e", "i", "o", "u", "ai", "ou"}
	codas  = []string{"", "", "", "n", "r", "l", "x", "m"}
)

// inventedWord is a nonsense word of 2 or 3 syllables not in used.
func inventedWord(r *rand.Rand, used map[string]bool) string {
	for {
		var b strings.Builder
		for range 2 + r.IntN(2) {
			b.WriteString(pick(r, onsets))
			b.WriteString(pick(r, vowels))
			b.WriteString(pick(r, codas))
		}
		w := b.String()
		if !used[w] && len(w) >= 4 {
			used[w] = true
			return w
		}
	}
}

// inventedFamily builds a family entirely from nonsense syllables:
// category, product noun, attribute keys and values, brands and a
// neighbouring category. With unitKind set, it also has a measure in a real
// unit (invented nouns, real numbers).
func inventedFamily(r *rand.Rand, name string, withMeasure bool) family {
	used := map[string]bool{}
	w := func() string { return inventedWord(r, used) }
	noun := w()
	f := family{Name: name, Invented: true, Noun: noun, Plural: noun + "s", BaseUSD: int64(800 + r.IntN(6000))}
	f.Category = noun + " " + w()
	for range 2 + r.IntN(2) {
		a := attr{Key: w()}
		for range 2 + r.IntN(2) {
			a.Values = append(a.Values, w())
		}
		f.Attrs = append(f.Attrs, a)
	}
	for range 3 {
		b := w()
		f.Brands = append(f.Brands, strings.ToUpper(b[:1])+b[1:])
	}
	o := other{Category: w(), Noun: w()}
	o.Attrs = []attr{{Key: f.Attrs[0].Key, Values: []string{f.Attrs[0].Values[0], w()}}}
	f.Others = []other{o}
	if withMeasure {
		switch r.IntN(3) {
		case 0:
			f.Measure = &measure{Key: w(), Unit: uML, Values: []int{250, 500, 750, 1000}}
		case 1:
			f.Measure = &measure{Key: w(), Unit: uGram, Values: []int{250, 500, 1000, 2000}}
		default:
			f.Measure = &measure{Key: w(), Unit: uCM, Values: []int{20, 30, 45}}
		}
		f.Count = &measure{Key: w(), Unit: uCount, Values: []int{3, 6, 10, 20}}
	}
	return f
}

// familyNames lists every family the generator draws from, real and
// invented, in a fixed order.
func familyNames() []string {
	out := make([]string, 0, len(families)+2)
	for _, f := range families {
		out = append(out, f.Name)
	}
	return append(out, "invented", "invented-units")
}

// familyByName returns the named family; invented ones are built afresh
// from r.
func familyByName(r *rand.Rand, name string) family {
	switch name {
	case "invented":
		return inventedFamily(r, name, false)
	case "invented-units":
		return inventedFamily(r, name, true)
	}
	for _, f := range families {
		if f.Name == name {
			return f
		}
	}
	panic("gen: unknown family " + name)
}
