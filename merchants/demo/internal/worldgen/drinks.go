package worldgen

import "strings"

// drinkKind describes a café drink on a menu.
type drinkKind struct {
	code, name, drink, category string
	desc                        string
	// defaultMilk is the milk of the plain version (its title has no milk
	// prefix); "none" for drinks served without milk.
	defaultMilk string
	sugar       string // the fixed sugar level when the menu has no sugar options
}

var (
	latte      = drinkKind{"LAT", "Latte", "latte", "coffee", "Double espresso with steamed milk and a thin layer of foam.", "whole", "none"}
	cappuccino = drinkKind{"CAP", "Cappuccino", "cappuccino", "coffee", "Espresso with equal parts steamed milk and dense foam.", "whole", "none"}
	flatWhite  = drinkKind{"FW", "Flat White", "flat white", "coffee", "Ristretto shots with velvety micro-foam milk.", "whole", "none"}
	mocha      = drinkKind{"MOC", "Mocha", "mocha", "coffee", "Espresso, dark chocolate sauce and steamed milk.", "whole", "regular"}
	americano  = drinkKind{"AME", "Americano", "americano", "coffee", "Espresso topped up with hot water.", "none", "none"}
	espresso   = drinkKind{"ESP", "Espresso", "espresso", "coffee", "A double shot of our house blend.", "none", "none"}
	coldBrew   = drinkKind{"CB", "Cold Brew", "cold brew", "coffee", "Coffee steeped cold for 18 hours, served over ice.", "none", "none"}
	matcha     = drinkKind{"MAT", "Matcha Latte", "matcha latte", "tea", "Stone-ground Uji matcha whisked into steamed milk.", "whole", "less"}
	milkTea    = drinkKind{"MT", "Milk Tea", "milk tea", "tea", "Assam black tea shaken with milk.", "whole", ""}
	greenTea   = drinkKind{"GT", "Jasmine Green Tea", "green tea", "tea", "Fujian jasmine green tea, brewed to order.", "none", "none"}
	blackTea   = drinkKind{"BT", "Black Tea", "black tea", "tea", "Yunnan Dianhong black tea, brewed to order.", "none", "none"}
	oolong     = drinkKind{"OOL", "Tieguanyin Oolong", "oolong", "tea", "Anxi Tieguanyin oolong, lightly roasted.", "none", "none"}
	fruitTea   = drinkKind{"FT", "Passion Fruit Green Tea", "fruit tea", "tea", "Green tea shaken with passion fruit and orange.", "none", ""}
)

var milkWord = map[string]string{"whole": "", "skim": "Skim Milk", "oat": "Oat Milk", "almond": "Almond Milk", "soy": "Soy Milk", "coconut": "Coconut Milk", "none": ""}
var milkCode = map[string]string{"whole": "", "skim": "SKM", "oat": "OAT", "almond": "ALM", "soy": "SOY", "coconut": "COC", "none": ""}
var sizeWord = map[string]string{"small": "Small", "medium": "Medium", "large": "Large"}
var sizeCode = map[string]string{"small": "S", "medium": "M", "large": "L"}
var sugarWord = map[string]string{"regular": "", "less": "Less Sugar", "none": "No Sugar"}
var sugarCode = map[string]string{"regular": "", "less": "LS", "none": "NS"}

// cup is one orderable variant of a drink.
type cup struct {
	kind             drinkKind
	milk, size, temp string
	sugar            string // "" = the kind's fixed level
	sugarInTitle     bool
}

func (c cup) item(brand string) item {
	k := c.kind
	sugar := c.sugar
	if sugar == "" {
		sugar = k.sugar
	}
	var words []string
	if c.temp == "iced" && k.drink != "cold brew" {
		words = append(words, "Iced")
	}
	name := k.name
	if k.drink == "milk tea" && c.milk != "whole" {
		name = "Tea" // "Oat Milk Tea", not "Oat Milk Milk Tea"
	} else if k.drink == "milk tea" {
		name = "Classic Milk Tea"
	}
	if w := milkWord[c.milk]; w != "" {
		words = append(words, w)
	}
	words = append(words, name)
	paren := []string{sizeWord[c.size]}
	if c.sugarInTitle && sugarWord[sugar] != "" {
		paren = append(paren, sugarWord[sugar])
	}
	title := strings.Join(words, " ") + " (" + strings.Join(paren, ", ") + ")"

	code := k.code
	if c.temp == "iced" && k.drink != "cold brew" {
		code = "I" + code
	}
	for _, part := range []string{milkCode[c.milk], sizeCode[c.size]} {
		if part != "" {
			code += "-" + part
		}
	}
	if c.sugarInTitle && sugarCode[sugar] != "" {
		code += "-" + sugarCode[sugar]
	}
	desc := k.desc
	switch {
	case c.milk != k.defaultMilk && c.milk != "none":
		desc += " Made with " + strings.ToLower(milkWord[c.milk]) + "."
	}
	if c.temp == "iced" && k.drink != "cold brew" {
		desc += " Served over ice."
	}
	return item{
		code: code, title: title, category: k.category, brand: brand, desc: desc,
		attrs: a("drink", k.drink, "milk", c.milk, "size", c.size, "temperature", c.temp, "sugar", sugar),
	}
}

// menu prices one café's cups: base price per size, milk surcharges and an
// iced surcharge, all in fen.
type menu struct {
	merchant, brand string
	base            map[string]int64 // size → price of the default milk, hot
	milkExtra       map[string]int64
	icedExtra       int64
}

func (m menu) price(c cup, base map[string]int64) int64 {
	p := base[c.size]
	p += m.milkExtra[c.milk]
	if c.temp == "iced" && c.kind.drink != "cold brew" {
		p += m.icedExtra
	}
	return p
}

// serve offers every combination of milks × sizes × temps × sugars.
func (b *builder) serve(m menu, k drinkKind, base map[string]int64, milks, sizes, temps, sugars []string) {
	if len(sugars) == 0 {
		sugars = []string{""}
	}
	for _, t := range temps {
		for _, milk := range milks {
			for _, s := range sizes {
				for _, sg := range sugars {
					c := cup{kind: k, milk: milk, size: s, temp: t, sugar: sg, sugarInTitle: sg != ""}
					b.sell(c.item(m.brand), at(m.merchant, m.price(c, base)))
				}
			}
		}
	}
}

func l(s ...string) []string { return s }

func sizes(prices ...int64) map[string]int64 {
	out := map[string]int64{}
	names := []string{"small", "medium", "large"}
	for i, p := range prices {
		if p > 0 {
			out[names[i]] = p
		}
	}
	return out
}

// drinks fills the three cafés: Brew House (coffee first), Leaf & Bean (tea
// first) and MegaMart's in-store café. Titles are the same across cafés, so
// "Oat Milk Latte (Large)" at each is the same drink at a different price.
func drinks(b *builder) {
	bh := menu{merchant: "brewhouse", brand: "Brew House",
		milkExtra: map[string]int64{"oat": 200, "almond": 200, "coconut": 200, "soy": 100}, icedExtra: 100}
	all := l("small", "medium", "large")
	ml := l("medium", "large")
	b.serve(bh, latte, sizes(1200, 1400, 1600), l("whole", "skim", "oat", "almond", "soy", "coconut"), all, l("hot"), nil)
	b.serve(bh, latte, sizes(1200, 1400, 1600), l("whole", "oat", "almond"), ml, l("iced"), nil)
	b.serve(bh, cappuccino, sizes(1200, 1400, 1600), l("whole", "oat", "soy"), all, l("hot"), nil)
	b.serve(bh, flatWhite, sizes(1500, 1700, 0), l("whole", "oat"), l("small", "medium"), l("hot"), nil)
	b.serve(bh, mocha, sizes(0, 1700, 1900), l("whole", "oat"), ml, l("hot"), nil)
	b.serve(bh, americano, sizes(1000, 1200, 1400), l("none"), all, l("hot"), nil)
	b.serve(bh, americano, sizes(1000, 1200, 1400), l("none"), ml, l("iced"), nil)
	b.serve(bh, espresso, sizes(900, 0, 0), l("none"), l("small"), l("hot"), nil)
	b.serve(bh, coldBrew, sizes(0, 1600, 1800), l("none"), ml, l("iced"), nil)
	b.serve(bh, matcha, sizes(0, 1700, 1900), l("whole", "oat"), ml, l("hot"), nil)
	b.serve(bh, milkTea, sizes(0, 1400, 1600), l("whole", "oat"), ml, l("hot"), l("regular"))

	lb := menu{merchant: "leafandbean", brand: "Leaf & Bean",
		milkExtra: map[string]int64{"oat": 200, "almond": 300, "coconut": 200, "soy": 100}, icedExtra: 100}
	b.serve(lb, milkTea, sizes(0, 1200, 1400), l("whole", "oat"), ml, l("hot"), l("regular", "less", "none"))
	b.serve(lb, milkTea, sizes(0, 1200, 1400), l("whole", "oat"), l("large"), l("iced"), l("regular", "less"))
	b.serve(lb, matcha, sizes(0, 1600, 1800), l("whole", "oat", "almond", "soy"), ml, l("hot"), nil)
	b.serve(lb, greenTea, sizes(0, 900, 1100), l("none"), ml, l("hot", "iced"), nil)
	b.serve(lb, blackTea, sizes(0, 900, 1100), l("none"), ml, l("hot"), nil)
	b.serve(lb, oolong, sizes(0, 1100, 1300), l("none"), ml, l("hot"), nil)
	b.serve(lb, oolong, sizes(0, 1100, 1300), l("none"), l("large"), l("iced"), nil)
	b.serve(lb, fruitTea, sizes(0, 1500, 1700), l("none"), ml, l("iced"), l("regular", "less"))
	b.serve(lb, latte, sizes(0, 1300, 1500), l("whole", "oat", "almond", "soy"), ml, l("hot"), nil)
	b.serve(lb, americano, sizes(0, 1100, 1300), l("none"), ml, l("hot"), nil)
	b.serve(lb, cappuccino, sizes(0, 1400, 0), l("whole", "oat"), l("medium"), l("hot"), nil)
	b.serve(lb, coldBrew, sizes(0, 0, 1700), l("none"), l("large"), l("iced"), nil)

	mm := menu{merchant: "megamart", brand: "MegaMart Café",
		milkExtra: map[string]int64{"oat": 100}, icedExtra: 100}
	b.serve(mm, latte, sizes(0, 1390, 1490), l("whole", "oat"), ml, l("hot"), nil)
	b.serve(mm, latte, sizes(0, 1390, 1490), l("oat"), l("large"), l("iced"), nil)
	b.serve(mm, americano, sizes(0, 990, 1190), l("none"), ml, l("hot"), nil)
	b.serve(mm, milkTea, sizes(0, 0, 1290), l("whole", "oat"), l("large"), l("hot"), l("regular"))
}

// packagedDrinks: beans, instant coffee and tea leaves to brew at home.
func packagedDrinks(b *builder) {
	cof := func(code, title, brand, typ, roast, pack, desc string) item {
		return item{code: code, title: title, category: "coffee", brand: brand, desc: desc,
			attrs: a("type", typ, "roast", roast, "pack", pack)}
	}
	tea := func(code, title, brand, typ, kind, pack, desc string) item {
		return item{code: code, title: title, category: "tea", brand: brand, desc: desc,
			attrs: a("type", typ, "tea", kind, "pack", pack)}
	}
	b.sell(cof("BEAN-HOUSE-500G", "Leaf & Bean House Blend Coffee Beans 500g", "Leaf & Bean", "coffee beans", "medium", "500g",
		"Brazil and Yunnan beans, roasted weekly in Shenzhen. Notes of cocoa and hazelnut."), at("leafandbean", 6900))
	b.sell(cof("BEAN-YUN-250G", "Yunnan Pu'er Single-Origin Coffee Beans 250g", "Leaf & Bean", "coffee beans", "light", "250g",
		"Washed Catimor from Pu'er, Yunnan. Bright, citrus and brown sugar."), at("leafandbean", 5800))
	b.sell(cof("DRIP-COL-10", "Colombia Drip Coffee Bags (10)", "Leaf & Bean", "drip bags", "medium", "10-pack",
		"Single-serve pour-over bags, 10 g each."), at("leafandbean", 3900))
	b.sell(cof("INST-NESG-100G", "Nescafé Gold Instant Coffee 100g", "Nescafé", "instant coffee", "medium", "100g",
		"Freeze-dried instant coffee, about 50 cups."), at("leafandbean", 7900), at("megamart", 6990))
	b.sell(cof("BEAN-LAV-1KG", "Lavazza Crema e Gusto Coffee Beans 1kg", "Lavazza", "coffee beans", "dark", "1kg",
		"Italian espresso blend, full-bodied with spicy notes."), at("megamart", 7990))
	b.sell(cof("INST-SAT-24", "Saturnbird Instant Coffee Capsules (24)", "Saturnbird", "instant coffee", "medium", "24-pack",
		"Freeze-dried specialty coffee; dissolves in cold water or milk."), at("leafandbean", 7900), at("megamart", 7590))

	b.sell(tea("LEAF-TGY-250G", "Anxi Tieguanyin Oolong Loose Leaf 250g", "Leaf & Bean", "loose leaf tea", "oolong", "250g",
		"Spring harvest Tieguanyin, vacuum packed in 8 g sachets."), at("leafandbean", 6800))
	b.sell(tea("LEAF-LJ-100G", "West Lake Longjing Green Tea 100g", "Leaf & Bean", "loose leaf tea", "green", "100g",
		"Pre-Qingming Longjing from Hangzhou."), at("leafandbean", 7800))
	b.sell(tea("BAG-LIP-100", "Lipton Yellow Label Black Tea Bags (100)", "Lipton", "tea bags", "black", "100-pack",
		"Everyday black tea bags."), at("leafandbean", 3990), at("megamart", 3590))
	b.sell(tea("BAG-TWN-EB-50", "Twinings English Breakfast Tea Bags (50)", "Twinings", "tea bags", "black", "50-pack",
		"Assam, Ceylon and Kenyan black teas."), at("leafandbean", 4500), at("megamart", 4790))
	b.sell(tea("BAG-JAS-50", "Jasmine Green Tea Bags (50)", "Leaf & Bean", "tea bags", "green", "50-pack",
		"Fujian jasmine green tea in pyramid bags."), at("leafandbean", 3500))
}
