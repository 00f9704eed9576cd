package dialogs

import "github.com/mosaic-platform/mosaic/internal/platform/dynamo"

// ConsentedItem is the item DynamoStore keeps for d once consented, so that a
// benchmark can load many dialogs with BatchWriteItem instead of the API.
func ConsentedItem(d Dialog) dynamo.Item {
	var n int64
	for _, m := range d.Messages {
		n += MessageSize(m.Text, false)
	}
	keys := indexKeys(d.DialogID, d.CustomerID, d.Language)
	item, err := dynamo.Marshal(dialogItem{
		ID: d.DialogID, Customer: d.CustomerID, Language: d.Language, State: stateConsented,
		Created: d.CreatedAt, Updated: d.UpdatedAt, RK: d.UpdatedAt + "#" + d.DialogID,
		Messages: d.Messages, Bytes: n,
		AllPK: keys[attrAllPK], LangPK: keys[attrLangPK], CustPK: keys[attrCustPK], CustLangPK: keys[attrCustLangPK],
	})
	if err != nil {
		panic(err)
	}
	return item
}
