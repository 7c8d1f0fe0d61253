package skills

import "context"

type nilMerchant struct{}

func (nilMerchant) Info(context.Context) (MerchantInfo, error)                { return MerchantInfo{}, nil }
func (nilMerchant) Search(context.Context, Query) ([]Product, error)          { return nil, nil }
func (nilMerchant) Quote(context.Context, QuoteRequest) (*Quote, error)       { return nil, ErrInvalid }
func (nilMerchant) Complete(context.Context, CompleteRequest) (*Order, error) { return nil, ErrInvalid }
func (nilMerchant) Cancel(context.Context, string, string) error              { return nil }
func (nilMerchant) Refund(context.Context, RefundRequest) (*Refund, error)    { return nil, ErrInvalid }
