// main/native.ts types the addon by hand. This suite reads that declaration
// with the TypeScript compiler and compares it, member by member, with what
// the loaded addon exports: a member declared but not exported (a call that
// would throw "not a function"), exported but not declared (surface nobody
// types or owns), or of the wrong kind fails here.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import * as ts from 'typescript';

import { native } from '../../main/native';
import { at } from './support/assertions';

/** The checkout's root, whether this file runs from test/js or from dist/test/js. */
function repositoryRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'main', 'native.ts'))) {
    const up = path.dirname(dir);
    assert.notEqual(up, dir, 'main/native.ts not found above this test');
    dir = up;
  }
  return dir;
}

/** A member's kind: a class (with its instance methods), a function, an object (with its members) or a value's typeof. */
type Shape =
  { kind: 'class'; methods: string[] } | { kind: 'function' } | { kind: 'object'; members: Map<string, Shape> } | { kind: string };

function declaredShape(checker: ts.TypeChecker, type: ts.Type): Shape {
  const constructs = type.getConstructSignatures();
  if (constructs.length > 0) {
    const instance = checker.getReturnTypeOfSignature(at(constructs, 0, 'a construct signature'));
    return {
      kind: 'class',
      // Methods only: a data member (a pool's `id`) is set on each instance by
      // its constructor, not on the prototype this suite reads.
      methods: instance
        .getProperties()
        .filter((p) => {
          const declaration = p.valueDeclaration ?? p.declarations?.[0];
          return declaration !== undefined && checker.getTypeOfSymbolAtLocation(p, declaration).getCallSignatures().length > 0;
        })
        .map((p) => p.name)
        .sort(),
    };
  }
  if (type.getCallSignatures().length > 0) return { kind: 'function' };
  if (type.flags & ts.TypeFlags.NumberLike) return { kind: 'number' };
  if (type.flags & ts.TypeFlags.StringLike) return { kind: 'string' };
  if (type.flags & ts.TypeFlags.BooleanLike) return { kind: 'boolean' };
  if (type.flags & ts.TypeFlags.Object) return { kind: 'object', members: declaredMembers(checker, type) };
  return { kind: checker.typeToString(type) };
}

function declaredMembers(checker: ts.TypeChecker, type: ts.Type): Map<string, Shape> {
  const members = new Map<string, Shape>();
  for (const property of type.getProperties()) {
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    assert.ok(declaration, `${property.name} has no declaration`);
    members.set(property.name, declaredShape(checker, checker.getTypeOfSymbolAtLocation(property, declaration)));
  }
  return members;
}

/** NativeAddon as main/native.ts declares it. */
function declaredAddon(): Map<string, Shape> {
  const file = path.join(repositoryRoot(), 'main', 'native.ts');
  // Only this file's declarations matter: its imports are not followed, nor are Node's types loaded.
  const program = ts.createProgram([file], { strict: true, noEmit: true, noResolve: true, types: [], lib: ['lib.es2022.d.ts'] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  assert.ok(source, `${file} did not load`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  const addon = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === 'NativeAddon');
  assert.ok(addon, 'main/native.ts exports no NativeAddon');
  return declaredMembers(checker, checker.getDeclaredTypeOfSymbol(addon));
}

/** What the addon exports: a function with methods on its prototype is a class (DefineClass), other functions are functions. */
function exportedShape(value: unknown): Shape {
  if (typeof value === 'function') {
    const methods = Object.getOwnPropertyNames((value as { prototype?: object }).prototype ?? {}).filter((m) => m !== 'constructor');
    return methods.length > 0 ? { kind: 'class', methods: methods.sort() } : { kind: 'function' };
  }
  if (value !== null && typeof value === 'object') {
    return {
      kind: 'object',
      members: new Map(Object.keys(value).map((key) => [key, exportedShape((value as Record<string, unknown>)[key])])),
    };
  }
  return { kind: typeof value };
}

/** Every difference between the two, one line each. */
function differences(declared: Map<string, Shape>, exported: Map<string, Shape>, where: string): string[] {
  const out: string[] = [];
  for (const [name, shape] of declared) {
    const actual = exported.get(name);
    if (actual === undefined) {
      out.push(`${where}${name}: declared in main/native.ts, not exported by the addon`);
      continue;
    }
    if (actual.kind !== shape.kind) {
      out.push(`${where}${name}: declared a ${shape.kind}, the addon exports a ${actual.kind}`);
    } else if (shape.kind === 'class' && 'methods' in shape && 'methods' in actual) {
      const missing = shape.methods.filter((m) => !actual.methods.includes(m));
      const extra = actual.methods.filter((m) => !shape.methods.includes(m));
      if (missing.length > 0) out.push(`${where}${name}: declared methods the addon lacks: ${missing.join(', ')}`);
      if (extra.length > 0) out.push(`${where}${name}: methods the addon has that main/native.ts does not declare: ${extra.join(', ')}`);
    } else if (shape.kind === 'object' && 'members' in shape && 'members' in actual) {
      out.push(...differences(shape.members, actual.members, `${where}${name}.`));
    }
  }
  for (const name of exported.keys()) {
    if (!declared.has(name)) out.push(`${where}${name}: exported by the addon, not declared in main/native.ts`);
  }
  return out;
}

test("main/native.ts declares exactly the addon's exports, each of its kind", () => {
  const declared = declaredAddon();
  const exported = exportedShape(native);
  assert.equal(exported.kind, 'object');
  assert.ok('members' in exported);
  // The comparison itself must see the surface: both sides have the classes and plain functions the vault uses.
  for (const name of ['ProtectedRegion', 'Pool', 'poolReadInto', 'canarySize']) {
    assert.ok(declared.has(name), `the compiler found no ${name} in NativeAddon`);
    assert.ok(exported.members.has(name), `the addon exports no ${name}`);
  }
  assert.deepEqual(differences(declared, exported.members, ''), []);
});
