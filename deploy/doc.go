// Package deploy holds no Go code: it is the home of the recipes that run
// litesweep on many machines (deploy/ansible, deploy/kubernetes, deploy/aws,
// deploy/container) and of the tests that run or validate them.
package deploy
