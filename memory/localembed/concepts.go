package localembed

import (
	"sort"
	"strings"
)

// conceptTable maps a concept to the words and phrases that evoke it. It is
// hand-written for shopping memory (food and drink, allergies and diets,
// sizes and clothes, delivery and contact facts, brands, price and speed)
// and deliberately small: it says nothing a reader could not check, and a
// word may evoke several concepts ("latte" is coffee and milk). Phrases
// match on consecutive words after the same stemming as the text.
var conceptTable = map[string]string{
	// food and drink, allergies, diets
	"dairy":       "dairy, milk, lactose, cream, creamer, cheese, butter, yogurt, yoghurt, whey, casein, latte, cappuccino, flat white, milk tea, ice cream, custard, dairy-free, non-dairy",
	"plant-milk":  "oat, oatly, soy, soya, almond milk, coconut milk, rice milk, plant milk, plant-based, non-dairy, dairy-free, lactose-free, vegan",
	"coffee":      "coffee, latte, espresso, cappuccino, americano, mocha, macchiato, flat white, cold brew, coffee bean, decaf, barista, cafe, starbucks, luckin",
	"tea":         "tea, matcha, chai, oolong, green tea, black tea, milk tea, bubble tea, boba, herbal, earl grey",
	"caffeine":    "caffeine, caffeinated, decaf, decaffeinated, espresso, coffee, energy drink, cola, sleep",
	"nut":         "nut, nuts, peanut, almond, cashew, walnut, hazelnut, pecan, pistachio, macadamia, tree nut, nutella, praline, peanut butter, nut-free",
	"gluten":      "beer, gluten, gluten-free, wheat, celiac, coeliac, barley, rye, bread, pasta, flour, cracker, biscuit, croissant, bagel, noodle, cereal",
	"egg":         "egg, eggs, mayonnaise, mayo, meringue, omelette",
	"seafood":     "shellfish, shrimp, prawn, crab, lobster, seafood, fish, oyster, salmon, tuna, sushi",
	"meat":        "meat, beef, pork, chicken, lamb, bacon, ham, sausage, gelatin, gelatine, burger, steak, vegan, vegetarian, plant-based, halal, kosher",
	"sugar":       "cola, coke, soda, soft drink, sugar, sugary, sweet, sweetened, unsweetened, sweetener, syrup, sugar-free, diabetic, diabetes, honey, caramel, dessert, candy, low sugar",
	"alcohol":     "alcohol, alcoholic, wine, beer, liquor, spirit, whisky, whiskey, vodka, sober, non-alcoholic",
	"spicy":       "spicy, spice, chili, chilli, hot sauce, pepper, mild, jalapeno, sichuan",
	"allergy":     "allergy, allergic, allergen, intolerant, intolerance, anaphylaxis, epipen, react, reaction, sensitive, sensitivity, hypoallergenic",
	"diet":        "diet, vegan, vegetarian, halal, kosher, keto, paleo, gluten-free, dairy-free, low carb, calorie, healthy",
	"drink":       "drink, beverage, juice, soda, water, sparkling, latte, coffee, tea, smoothie, milkshake",
	"meal":        "lunch, dinner, breakfast, meal, snack, sandwich, salad, food, takeaway, takeout, eat",
	"temperature": "iced, ice, hot, warm, cold, chilled, frozen",
	"fruit-veg":   "fruit, apple, banana, orange, berry, strawberry, grape, vegetable, veg, produce, fresh, organic",
	// clothes and sizes
	"size":     "size, sized, sizing, xs, xxs, s, m, l, xl, xxl, small, medium, large, extra large, petite, tall, fit, fitting, waist, inseam, eu, uk",
	"size-s":   "s, small, size s",
	"size-m":   "m, medium, size m, mid-size",
	"size-l":   "l, large, size l",
	"size-xl":  "xl, extra large, size xl, xxl",
	"apparel":  "fashion, fast fashion, wear, clothes, clothing, shirt, t-shirt, tshirt, tee, top, hoodie, sweater, jumper, jacket, coat, dress, skirt, trouser, pant, jeans, shorts, sock, underwear, outfit, garment",
	"shoe":     "shoe, sneaker, trainer, boot, sandal, heel, slipper, footwear, running shoe, shoe size",
	"colour":   "colour, color, black, white, red, blue, green, grey, gray, navy, pink, beige, brown, yellow, purple, pastel, bright, dark",
	"material": "cotton, wool, linen, silk, polyester, leather, synthetic, fabric, material",
	// delivery and contact facts
	"address":  "address, deliver, delivery, delivered, ship, shipping, shipped, send, sent, drop off, doorstep, street, road, avenue, lane, floor, building, apartment, unit, postcode, zip, courier, parcel, locker, reception",
	"office":   "office, work, workplace, company, desk, coworker, colleague, team, meeting, tower, campus, reception",
	"home":     "home, house, apartment, flat, residence, household, family, kitchen",
	"contact":  "phone, mobile, cell, call, text, sms, contact, number, email, e-mail, wechat, reach",
	"person":   "children, name, called, wife, husband, partner, kid, child, son, daughter, mum, mom, dad, friend",
	"schedule": "morning, afternoon, evening, night, weekend, weekday, monday, tuesday, wednesday, thursday, friday, saturday, sunday, lunchtime, pm, oclock",
	// buying
	"brand":    "brand, brands, label, make, maker, manufacturer, own brand, store brand, generic, name brand, brand-name, trademark",
	"price":    "cheap, cheaper, cheapest, budget, price, priced, spend, spending, expensive, cost, costly, save, saving, deal, discount, coupon, affordable, bargain, pricey, afford, value, yuan, rmb, dollar, euro, under",
	"speed":    "fast, faster, fastest, quick, quickly, express, urgent, asap, same day, next day, speed, rush, slow, standard delivery, wait, late",
	"eco":      "eco, sustainable, organic, recycled, recyclable, plastic, packaging, fair trade, environment, compostable, reusable, waste",
	"quality":  "reviewed, well-reviewed, rating, rated, review, star, quality, reliable, durable, premium, cheap-looking, well-made, best, top",
	"bulk":     "bulk, pack, multipack, family size, box, carton, case, dozen, refill, subscription, stock up",
	"payment":  "pay, payment, card, wallet, alipay, wechat pay, cash, credit, debit, invoice, receipt",
	"merchant": "shop, store, merchant, seller, market, supermarket, marketplace, retailer, outlet",
	"return":   "return, returned, refund, refunded, exchange, broken, damaged, defective, complaint",
	// household and personal care
	"skin-care":     "sun cream, sunscreen, sunblock, spf, skin, sensitive skin, fragrance, fragrance-free, perfume, scent, scented, unscented, soap, shampoo, conditioner, lotion, moisturiser, moisturizer, sunscreen, cosmetic, makeup, hypoallergenic",
	"cleaning":      "softener, fabric softener, detergent, laundry, cleaning, cleaner, bleach, dish, dishwasher, wipe, sponge, toilet paper, tissue, paper towel",
	"pet":           "pet, dog, cat, puppy, kitten, kibble, litter, leash, vet",
	"baby":          "baby, infant, toddler, diaper, nappy, formula, stroller, pram, newborn",
	"electronics":   "gadget, smart home, robot, vacuum, charger, charging, cable, usb, usb-c, lightning, headphone, earbud, earphone, laptop, battery, adapter, plug, power bank, phone case, screen, bluetooth, wireless",
	"stationery":    "pen, pencil, notebook, paper, stationery, marker, printer, ink, stapler",
	"warm-clothing": "wool, woollen, woolen, cashmere, sweater, jumper, cardigan, knit, knitwear, scarf, beanie, thermal, fleece, down jacket, puffer, parka, coat, winter, warm",
	"accessories":   "wallet, belt, handbag, bag, purse, leather, backpack, watch strap",
	"additives":     "msg, monosodium glutamate, additive, preservative, artificial, flavour enhancer, seasoning, instant noodle, stock cube, bouillon",
	"ethics":        "cruelty-free, cruelty free, tested on animals, animal testing, animal-tested, ethical, fair trade, vegan",
	"gift":          "gift, present, birthday, anniversary, wrap, wrapping, card",
}

// brandTable maps well-known brand names to the product concepts they
// belong to; each also evokes "brand". It lets "which diaper brand" find
// "I prefer Huggies over Pampers". It is a lexicon of common consumer
// brands, not of any one catalog: unknown brands still match by their name.
var brandTable = map[string]string{
	"huggies": "baby", "pampers": "baby", "merries": "baby", "moony": "baby",
	"nike": "apparel, shoe", "adidas": "apparel, shoe", "puma": "apparel, shoe", "new balance": "shoe", "asics": "shoe", "li ning": "apparel, shoe", "anta": "apparel, shoe",
	"uniqlo": "apparel", "zara": "apparel", "h&m": "apparel", "shein": "apparel", "gap": "apparel", "levis": "apparel",
	"apple": "electronics", "iphone": "electronics", "ipad": "electronics", "macbook": "electronics", "airpods": "electronics",
	"xiaomi": "electronics", "huawei": "electronics", "samsung": "electronics", "sony": "electronics", "anker": "electronics", "bose": "electronics", "dyson": "electronics, cleaning",
	"luckin": "coffee", "starbucks": "coffee", "lavazza": "coffee", "nespresso": "coffee", "illy": "coffee", "nescafe": "coffee", "manner": "coffee",
	"oatly": "plant-milk, dairy", "yili": "dairy", "mengniu": "dairy", "yakult": "dairy, drink", "danone": "dairy",
	"royal canin": "pet", "hills": "pet", "purina": "pet", "pedigree": "pet", "whiskas": "pet",
	"lee kum kee": "meal", "haidilao": "meal, spicy", "lao gan ma": "spicy, meal",
	"coca-cola": "sugar, drink", "pepsi": "sugar, drink", "sprite": "sugar, drink",
	"tide": "cleaning", "ariel": "cleaning", "omo": "cleaning", "blue moon": "cleaning",
	"loreal": "skin-care", "nivea": "skin-care", "dove": "skin-care", "head shoulders": "skin-care",
	"deli": "stationery", "muji": "stationery, home", "ikea": "home",
	"jd": "merchant", "taobao": "merchant", "tmall": "merchant", "meituan": "merchant", "pinduoduo": "merchant",
}

// A trigger is a phrase of one or more stemmed words.
type trigger struct {
	words   []string
	concept string
}

var triggersByFirst = buildTriggers()

func buildTriggers() map[string][]trigger {
	out := map[string][]trigger{}
	for concept, list := range conceptTable {
		for _, phrase := range strings.Split(list, ",") {
			phrase = strings.TrimSpace(phrase)
			if phrase == "" {
				continue
			}
			ws := Words(phrase)
			if len(ws) == 0 {
				continue
			}
			out[ws[0]] = append(out[ws[0]], trigger{words: ws, concept: concept})
		}
	}
	for brand, list := range brandTable {
		ws := Words(brand)
		for _, concept := range append(strings.Split(list, ","), "brand") {
			out[ws[0]] = append(out[ws[0]], trigger{words: ws, concept: strings.TrimSpace(concept)})
		}
	}
	return out
}

// Concepts returns the concepts the words evoke, sorted and without
// duplicates. words must come from Words.
func Concepts(words []string) []string {
	seen := map[string]bool{}
	for i, w := range words {
		for _, t := range triggersByFirst[w] {
			if i+len(t.words) > len(words) {
				continue
			}
			match := true
			for j, tw := range t.words {
				if words[i+j] != tw {
					match = false
					break
				}
			}
			if match {
				seen[t.concept] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// ConceptNames lists the table's concepts, sorted (for documentation and
// tests).
func ConceptNames() []string {
	out := make([]string, 0, len(conceptTable))
	for c := range conceptTable {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
