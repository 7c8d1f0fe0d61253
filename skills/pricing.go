package skills

import "fmt"

// Totals is the price of one merchant's cart under its published rules.
type Totals struct {
	Subtotal Money  `json:"subtotal"`
	Discount Money  `json:"discount"`
	Shipping Money  `json:"shipping"`
	Total    Money  `json:"total"`
	Coupon   string `json:"coupon,omitempty"`
}

// PricedLine is the input to PriceCart: a unit price and a quantity.
type PricedLine struct {
	UnitPrice Money
	Quantity  int
}

// PriceCart applies a merchant's published rules to a cart. It is the one
// definition of those rules: the mock merchants charge by it and the bundle
// optimiser predicts by it, so a prediction and a quote can only differ when
// the merchant changes something (which the runtime then detects).
//
// The rules:
//   - subtotal = Σ unit price × quantity;
//   - shipping = Fee, or zero when FreeOver is set and subtotal ≥ FreeOver
//     (the threshold looks at the subtotal before discounts); an empty cart
//     ships nothing;
//   - coupon: with coupon == "" the single best applicable coupon is used;
//     with a code, only that coupon (an error if it does not exist or its
//     MinSpend is not met). A coupon applies when subtotal ≥ MinSpend and
//     takes min(AmountOff, subtotal) off;
//   - total = subtotal − discount + shipping.
func PriceCart(info MerchantInfo, lines []PricedLine, coupon string) (Totals, error) {
	cur := info.Currency
	var sub int64
	for i, l := range lines {
		if l.Quantity <= 0 {
			return Totals{}, fmt.Errorf("line %d: quantity %d must be positive", i, l.Quantity)
		}
		if l.UnitPrice.Currency != cur {
			return Totals{}, fmt.Errorf("line %d: %w: %s in a %s cart", i, ErrCurrencyMismatch, l.UnitPrice.Currency, cur)
		}
		if l.UnitPrice.Minor < 0 {
			return Totals{}, fmt.Errorf("line %d: negative price", i)
		}
		p, ok := MulMinor(l.UnitPrice.Minor, int64(l.Quantity))
		if !ok {
			return Totals{}, ErrOverflow
		}
		if sub, ok = AddMinor(sub, p); !ok {
			return Totals{}, ErrOverflow
		}
	}
	t := Totals{Subtotal: M(sub, cur), Discount: M(0, cur), Shipping: M(0, cur)}
	if len(lines) > 0 {
		t.Shipping = M(ShippingFor(info.Shipping, sub), cur)
	}
	switch {
	case coupon != "":
		var found *Coupon
		for i := range info.Coupons {
			if info.Coupons[i].Code == coupon {
				found = &info.Coupons[i]
			}
		}
		if found == nil {
			return Totals{}, fmt.Errorf("coupon %q: %w", coupon, ErrNotFound)
		}
		if sub < found.MinSpend.Minor {
			return Totals{}, fmt.Errorf("coupon %q needs a subtotal of %s: %w", coupon, found.MinSpend, ErrInvalid)
		}
		t.Discount = M(min(found.AmountOff.Minor, sub), cur)
		t.Coupon = coupon
	default:
		code, off := BestCoupon(info.Coupons, sub)
		t.Discount, t.Coupon = M(off, cur), code
	}
	t.Total = M(sub-t.Discount.Minor+t.Shipping.Minor, cur)
	return t, nil
}

// ShippingFor is the shipping fee for a merchandise subtotal.
func ShippingFor(s Shipping, subtotal int64) int64 {
	if s.FreeOver != nil && subtotal >= s.FreeOver.Minor {
		return 0
	}
	return s.Fee.Minor
}

// BestCoupon picks the applicable coupon with the largest discount for a
// subtotal (ties: the first listed). It returns "" and 0 when none applies.
func BestCoupon(coupons []Coupon, subtotal int64) (string, int64) {
	code, best := "", int64(0)
	for _, c := range coupons {
		if subtotal < c.MinSpend.Minor {
			continue
		}
		if off := min(c.AmountOff.Minor, subtotal); off > best {
			code, best = c.Code, off
		}
	}
	return code, best
}
