package dialogs

import "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

// ConsentedItem is the item DynamoStore keeps for d once consented, so that a
// benchmark can load many dialogs with BatchWriteItem instead of the API.
func ConsentedItem(d Dialog) map[string]types.AttributeValue {
	msgs := make([]types.AttributeValue, len(d.Messages))
	n := 0
	for i, m := range d.Messages {
		msgs[i] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			msgText: sv(m.Text), msgLanguage: sv(m.Language), msgCreated: sv(m.CreatedAt),
		}}
		n += int(MessageSize(m.Text, false))
	}
	item := map[string]types.AttributeValue{
		attrID: sv(d.DialogID), attrCustomer: sv(d.CustomerID), attrLanguage: sv(d.Language),
		attrState: sv(stateConsented), attrCreated: sv(d.CreatedAt), attrUpdated: sv(d.UpdatedAt),
		attrRK: sv(d.UpdatedAt + "#" + d.DialogID), attrMessages: &types.AttributeValueMemberL{Value: msgs},
		attrBytes: nv(int64(n)),
	}
	for k, v := range indexKeys(d.DialogID, d.CustomerID, d.Language) {
		item[k] = sv(v)
	}
	return item
}
