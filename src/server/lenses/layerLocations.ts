import { parseTree, type Node as JsonNode } from 'jsonc-parser';

/** Where a layer's entry sits in a model.json text, as offsets into the text. */
export interface LayerLocation {
  name: string;
  /** Start and end of the `"name": "<layer>"` property that identifies the entry. */
  start: number;
  end: number;
}

/**
 * Finds the layer entries of a TensorFlow.js layers model.json: every object
 * under `modelTopology` with a string `class_name` and an object `config`,
 * named by its own `name` property (current format) or by `config.name` (the old
 * Sequential format, whose config is a bare list of layers). The first entry of
 * each name wins, and the model's own top-level configuration is skipped.
 * Returns an empty list for text that is not a JSON object with `modelTopology`.
 */
export function findLayerLocations(text: string): LayerLocation[] {
  const root = parseTree(text);
  const topology = root === undefined ? undefined : propertyValue(root, 'modelTopology');
  if (topology === undefined || topology.type !== 'object') {
    return [];
  }

  const found = new Map<string, LayerLocation>();
  const visit = (node: JsonNode, isModelItself: boolean): void => {
    if (node.type === 'object' && !isModelItself) {
      const location = layerEntryLocation(node);
      if (location !== null && !found.has(location.name)) {
        found.set(location.name, location);
      }
    }
    for (const child of node.children ?? []) {
      visit(child, false);
    }
  };

  // The object that describes the whole model is either modelTopology itself or
  // its `model_config` (Keras-converted files); neither is a layer. The training
  // configuration names optimizers and losses, not layers.
  const modelConfig = propertyValue(topology, 'model_config');
  for (const property of topology.children ?? []) {
    const key = property.children?.[0]?.value;
    const value = property.children?.[1];
    if (value !== undefined && key !== 'training_config') {
      visit(value, value === modelConfig);
    }
  }
  return [...found.values()];
}

function layerEntryLocation(node: JsonNode): LayerLocation | null {
  const className = propertyValue(node, 'class_name');
  const config = propertyValue(node, 'config');
  if (className?.type !== 'string' || config?.type !== 'object') {
    return null;
  }
  const nameProperty = propertyNode(node, 'name') ?? propertyNode(config, 'name');
  const nameValue = nameProperty?.children?.[1];
  if (nameProperty === undefined || nameValue?.type !== 'string' || typeof nameValue.value !== 'string') {
    return null;
  }
  return { name: nameValue.value, start: nameProperty.offset, end: nameProperty.offset + nameProperty.length };
}

function propertyNode(objectNode: JsonNode, key: string): JsonNode | undefined {
  if (objectNode.type !== 'object') {
    return undefined;
  }
  return objectNode.children?.find((property) => property.children?.[0]?.value === key);
}

function propertyValue(objectNode: JsonNode, key: string): JsonNode | undefined {
  return propertyNode(objectNode, key)?.children?.[1];
}
