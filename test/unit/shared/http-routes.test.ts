// Unit tests of route matching shared by the local gateway and the backend.
import assert from 'node:assert/strict';
import { compileRoute, isRouteMatch, RouteTable, routeSyntaxError } from '../../../src/shared/http/routes';

describe('route table', () => {
  function table(): RouteTable<string> {
    const routes = new RouteTable<string>();
    routes.add('GET', '/items/{id}', 'get-item');
    routes.add('GET', '/items/new', 'new-item');
    routes.add('POST', '/items', 'create');
    routes.add('ANY', '/files/{proxy+}', 'files');
    routes.add('DELETE', '/files/{proxy+}', 'delete-file');
    routes.add('GET', '/', 'root');
    return routes;
  }

  it('matches parameters and gives the route key', () => {
    assert.deepEqual(table().match('get', '/items/42'), { value: 'get-item', pathParameters: { id: '42' }, routeKey: 'GET /items/{id}' });
  });

  it('prefers literal segments over parameters', () => {
    assert.deepEqual(table().match('GET', '/items/new'), { value: 'new-item', pathParameters: {}, routeKey: 'GET /items/new' });
  });

  it('matches a greedy parameter over one or more segments, decoding them', () => {
    const match = table().match('PUT', '/files/a/b%20c/d.txt');
    assert.ok(isRouteMatch(match));
    assert.deepEqual([match.value, match.pathParameters], ['files', { proxy: 'a/b c/d.txt' }]);
    assert.deepEqual(table().match('PUT', '/files'), { status: 404 });
  });

  it('prefers an exact method over ANY on the same path', () => {
    const match = table().match('DELETE', '/files/x');
    assert.ok(isRouteMatch(match));
    assert.equal(match.value, 'delete-file');
  });

  it('answers 405 with the allowed methods when only the method is wrong, 404 otherwise', () => {
    assert.deepEqual(table().match('PATCH', '/items/1'), { status: 405, allowed: ['GET'] });
    assert.deepEqual(table().match('GET', '/items'), { status: 405, allowed: ['POST'] });
    assert.deepEqual(table().match('GET', '/nothing/here'), { status: 404 });
  });

  it('ignores trailing slashes and matches the root', () => {
    assert.ok(isRouteMatch(table().match('POST', '/items/')));
    assert.deepEqual(table().match('GET', ''), { value: 'root', pathParameters: {}, routeKey: 'GET /' });
  });

  it('lists routes and refuses a clashing one', () => {
    const routes = table();
    assert.deepEqual(routes.routes().map((route) => route.routeKey).slice(0, 2), ['GET /items/{id}', 'GET /items/new']);
    assert.throws(() => routes.add('GET', '/items/{other}', 'x'), /clashes with 'GET \/items\/\{id\}'; each method/);
    routes.add('DELETE', '/items/{id}', 'remove', 'cleanup');
    assert.throws(() => routes.add('DELETE', '/items/{x}', 'x'), /clashes with 'DELETE \/items\/\{id\}' of cleanup; each method/);
  });

  it('validates route syntax', () => {
    assert.equal(routeSyntaxError('/a/{id}/b'), undefined);
    assert.match(routeSyntaxError('a/b') ?? '', /must start with '\/'/);
    assert.match(routeSyntaxError('/{proxy+}/x') ?? '', /must be the last segment/);
    assert.match(routeSyntaxError('/a/{id}/{id}') ?? '', /appears twice/);
    assert.throws(() => compileRoute('FETCH', '/a'), /HTTP method 'FETCH' is not supported/);
  });
});
