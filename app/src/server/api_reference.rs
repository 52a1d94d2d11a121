//! Reads the OpenAPI document (JSON) into what the reference page shows.

use serde_json::Value;

use crate::api_docs::api::{ApiDocument, ApiGroup, ApiOperation, ApiParameter, ApiResponse};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A schema's name: the last part of a `$ref`, `[Item]` for arrays, else its type.
fn schema_name(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference
            .rsplit('/')
            .next()
            .unwrap_or(reference)
            .to_string();
    }
    if let Some(items) = schema.get("items") {
        return format!("[{}]", schema_name(items));
    }
    if let Some(choices) = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
    {
        let names: Vec<String> = choices
            .iter()
            .map(schema_name)
            .filter(|n| n != "null")
            .collect();
        return names.join(" or ");
    }
    match schema.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .filter(|k| *k != "null")
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "object".into(),
    }
}

/// "application/json: LeadView" for each content type of a body.
fn contents(body: &Value) -> Vec<String> {
    body.get("content")
        .and_then(Value::as_object)
        .map(|content| {
            content
                .iter()
                .map(|(mime, media)| {
                    let schema = media.get("schema").map(schema_name).unwrap_or_default();
                    format!("{mime}: {schema}")
                })
                .collect()
        })
        .unwrap_or_default()
}

fn operation(path: &str, method: &str, op: &Value) -> ApiOperation {
    let parameters = op
        .get("parameters")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|p| ApiParameter {
                    name: text(p, "name"),
                    location: text(p, "in"),
                    required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                    kind: p.get("schema").map(schema_name).unwrap_or_default(),
                    description: text(p, "description"),
                })
                .collect()
        })
        .unwrap_or_default();
    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .map(|all| {
            all.iter()
                .map(|(status, response)| ApiResponse {
                    status: status.clone(),
                    description: text(response, "description"),
                    content: contents(response),
                })
                .collect()
        })
        .unwrap_or_default();
    ApiOperation {
        method: method.to_uppercase(),
        path: path.to_string(),
        summary: text(op, "summary"),
        description: text(op, "description"),
        parameters,
        request: op
            .get("requestBody")
            .map(contents)
            .filter(|c| !c.is_empty())
            .map(|c| c.join(", ")),
        responses,
    }
}

/// Every operation of the document, grouped by its first tag in the order tags first appear.
pub fn read(document: &Value) -> ApiDocument {
    let mut groups: Vec<ApiGroup> = Vec::new();
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                let Some(op) = item.get(method) else {
                    continue;
                };
                let tag = op
                    .get("tags")
                    .and_then(Value::as_array)
                    .and_then(|t| t.first())
                    .and_then(Value::as_str)
                    .unwrap_or("other")
                    .to_string();
                let operation = operation(path, method, op);
                match groups.iter_mut().find(|g| g.tag == tag) {
                    Some(group) => group.operations.push(operation),
                    None => groups.push(ApiGroup {
                        tag,
                        operations: vec![operation],
                    }),
                }
            }
        }
    }
    groups.sort_by(|a, b| a.tag.cmp(&b.tag));
    let info = document.get("info").cloned().unwrap_or_default();
    ApiDocument {
        title: text(&info, "title"),
        version: text(&info, "version"),
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operations_are_grouped_by_tag_with_their_parameters_and_bodies() {
        let document = json!({
            "info": {"title": "Cadence API", "version": "1"},
            "paths": {
                "/api/v1/leads": {
                    "get": {"tags": ["leads"], "summary": "List leads",
                        "parameters": [{"name": "status", "in": "query", "required": false,
                            "schema": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/LeadStatus"}]}}],
                        "responses": {"200": {"description": "", "content": {"application/json":
                            {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/LeadView"}}}}}}},
                    "post": {"tags": ["leads"], "requestBody": {"content": {"application/json":
                        {"schema": {"$ref": "#/components/schemas/LeadPatch"}}}}, "responses": {}}
                },
                "/api/v1/me": {"get": {"tags": ["users"], "responses": {"401": {"description": "No token"}}}}
            }
        });
        let reference = read(&document);
        assert_eq!(
            (reference.title.as_str(), reference.version.as_str()),
            ("Cadence API", "1")
        );
        let tags: Vec<&str> = reference.groups.iter().map(|g| g.tag.as_str()).collect();
        assert_eq!(tags, ["leads", "users"]);
        let list = &reference.groups[0].operations[0];
        assert_eq!(
            (list.method.as_str(), list.summary.as_str()),
            ("GET", "List leads")
        );
        assert_eq!(list.parameters[0].kind, "LeadStatus");
        assert_eq!(list.responses[0].content, ["application/json: [LeadView]"]);
        let create = &reference.groups[0].operations[1];
        assert_eq!(
            create.request.as_deref(),
            Some("application/json: LeadPatch")
        );
        assert_eq!(
            reference.groups[1].operations[0].responses[0].description,
            "No token"
        );
    }
}
