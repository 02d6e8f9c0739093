// Types for the launcher and CLI, which share this check with the preload.
export declare const MIN_NODE_MAJOR: 18;
export declare function unsupportedNode(version: string, node: string): string | undefined;
