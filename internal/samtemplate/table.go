package samtemplate

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Table is one AWS::DynamoDB::Table, ready to create under a local name.
type Table struct {
	LogicalID    string
	KeySchema    []types.KeySchemaElement
	Attributes   []types.AttributeDefinition
	GlobalIndex  []types.GlobalSecondaryIndex
	LocalIndex   []types.LocalSecondaryIndex
	TTLAttribute string // "" when TTL is off
}

// CreateInput is the CreateTable call that makes the table, on-demand, under name.
func (t Table) CreateInput(name string) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		KeySchema:            t.KeySchema,
		AttributeDefinitions: t.Attributes,
	}
	if len(t.GlobalIndex) > 0 {
		in.GlobalSecondaryIndexes = t.GlobalIndex
	}
	if len(t.LocalIndex) > 0 {
		in.LocalSecondaryIndexes = t.LocalIndex
	}
	return in
}

// TTLInput is the UpdateTimeToLive call that turns on the table's TTL under
// name, or nil when the table has none.
func (t Table) TTLInput(name string) *dynamodb.UpdateTimeToLiveInput {
	if t.TTLAttribute == "" {
		return nil
	}
	return &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(t.TTLAttribute), Enabled: aws.Bool(true),
		},
	}
}

func parseTable(id string, props map[string]any) (Table, error) {
	t := Table{LogicalID: id}
	t.KeySchema = keySchema(props["KeySchema"])
	if len(t.KeySchema) == 0 {
		return t, fmt.Errorf("KeySchema is required")
	}
	for _, a := range asSlice(props["AttributeDefinitions"]) {
		am := asMap(a)
		t.Attributes = append(t.Attributes, types.AttributeDefinition{
			AttributeName: aws.String(str(am["AttributeName"])),
			AttributeType: types.ScalarAttributeType(str(am["AttributeType"])),
		})
	}
	for _, g := range asSlice(props["GlobalSecondaryIndexes"]) {
		gm := asMap(g)
		t.GlobalIndex = append(t.GlobalIndex, types.GlobalSecondaryIndex{
			IndexName:  aws.String(str(gm["IndexName"])),
			KeySchema:  keySchema(gm["KeySchema"]),
			Projection: projection(gm["Projection"]),
		})
	}
	for _, l := range asSlice(props["LocalSecondaryIndexes"]) {
		lm := asMap(l)
		t.LocalIndex = append(t.LocalIndex, types.LocalSecondaryIndex{
			IndexName:  aws.String(str(lm["IndexName"])),
			KeySchema:  keySchema(lm["KeySchema"]),
			Projection: projection(lm["Projection"]),
		})
	}
	if ttl := asMap(props["TimeToLiveSpecification"]); ttl["Enabled"] == true {
		t.TTLAttribute = str(ttl["AttributeName"])
	}
	return t, nil
}

func keySchema(v any) []types.KeySchemaElement {
	var ks []types.KeySchemaElement
	for _, k := range asSlice(v) {
		km := asMap(k)
		ks = append(ks, types.KeySchemaElement{
			AttributeName: aws.String(str(km["AttributeName"])),
			KeyType:       types.KeyType(str(km["KeyType"])),
		})
	}
	return ks
}

func projection(v any) *types.Projection {
	pm := asMap(v)
	p := &types.Projection{ProjectionType: types.ProjectionType(str(pm["ProjectionType"]))}
	if p.ProjectionType == "" {
		p.ProjectionType = types.ProjectionTypeAll
	}
	for _, a := range asSlice(pm["NonKeyAttributes"]) {
		p.NonKeyAttributes = append(p.NonKeyAttributes, str(a))
	}
	return p
}
