export function toSwagger2(doc: Record<string, unknown>): Record<string, unknown> { return doc; }
